package docker

import "golang.org/x/sys/unix"

// defaultTargetCPUs is the targets' share of the CPUs this process may use,
// by the same rule as process.Placement (the load generator gets the first
// CPU, the targets the rest; with one CPU nothing is pinned). It is
// computed here rather than imported so the two drivers build
// independently; the runner pins the generator.
func defaultTargetCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var cpus []int
	for i := range len(set) * 64 {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	if len(cpus) < 2 {
		return nil
	}
	return cpus[1:]
}
