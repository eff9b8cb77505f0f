package process

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	placementOnce            sync.Once
	placementGen, placementT []int
	pinnedMu                 sync.Mutex
	pinnedSelf               []int
)

// Placement splits the CPUs this process may use between the load
// generator and the targets: with at least two, the generator gets the
// first and the targets the rest; with one, both are empty (nothing is
// pinned). It is computed once, on the first call, so call it (or New)
// before PinSelf narrows this process's mask.
func Placement() (generator, targets []int) {
	placementOnce.Do(func() {
		cpus, err := usableCPUs(0)
		if err != nil || len(cpus) < 2 {
			return
		}
		placementGen, placementT = cpus[:1], cpus[1:]
	})
	return append([]int(nil), placementGen...), append([]int(nil), placementT...)
}

// usableCPUs lists the CPUs in the affinity mask of tid (0: this thread).
func usableCPUs(tid int) ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(tid, &set); err != nil {
		return nil, fmt.Errorf("read CPU affinity: %w", err)
	}
	var cpus []int
	for i := range len(set) * 64 {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus, nil
}

// cpuSet builds an affinity mask.
func cpuSet(cpus []int) unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return set
}

// PinSelf pins every thread of this process to cpus (the load
// generator's CPUs from Placement). Threads the Go runtime creates later
// inherit the mask of the thread that creates them, so pinning all
// current threads covers them too.
func PinSelf(cpus []int) error {
	if len(cpus) == 0 {
		return nil
	}
	if err := pinPID(os.Getpid(), cpus); err != nil {
		return err
	}
	pinnedMu.Lock()
	pinnedSelf = append([]int(nil), cpus...)
	pinnedMu.Unlock()
	return nil
}

// pinnedGenerator returns what PinSelf pinned this process to.
func pinnedGenerator() []int {
	pinnedMu.Lock()
	defer pinnedMu.Unlock()
	return append([]int(nil), pinnedSelf...)
}

// pinPID sets the affinity of every thread of process pid. A thread
// cloned during a pass from a thread not yet pinned keeps the old mask, so
// passes repeat until one finds every thread already pinned.
func pinPID(pid int, cpus []int) error {
	want := cpuSet(cpus)
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	for range 20 {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("pin process %d: %w", pid, err)
		}
		changed := false
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			var got unix.CPUSet
			if err := unix.SchedGetaffinity(tid, &got); err == nil && got == want {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &want); err != nil && err != unix.ESRCH {
				return fmt.Errorf("pin thread %d of process %d to CPUs %v: %w", tid, pid, cpus, err)
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return fmt.Errorf("pin process %d to CPUs %v: threads kept appearing unpinned", pid, cpus)
}

// startOn starts cmd with its affinity already set to cpus (when given).
// The child is forked from this goroutine's locked OS thread, whose mask
// is set to cpus just for the fork, so every thread the child ever
// creates (and its own children, such as cluster workers or nginx
// workers) inherits the target CPUs — no window in which a runtime thread
// keeps the old mask.
func startOn(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("read CPU affinity: %w", err)
	}
	set := cpuSet(cpus)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("pin to CPUs %v: %w", cpus, err)
	}
	startErr := cmd.Start()
	if err := unix.SchedSetaffinity(0, &old); err != nil {
		// Leave the thread locked: it ends with this goroutine rather than
		// running other goroutines on the wrong CPUs. That would also end
		// the child through Pdeathsig, so report it.
		if startErr == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		return fmt.Errorf("restore CPU affinity: %w", err)
	}
	runtime.UnlockOSThread()
	return startErr
}
