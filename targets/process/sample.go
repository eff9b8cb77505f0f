package process

import (
	"fmt"
	"os"
	"strconv"

	"github.com/scalebench/scalebench/internal/procfs"
)

// treeUsage sums CPU seconds and RSS over roots and all their descendants.
// CPU time includes that of reaped children (a restarted cluster worker's
// time is not lost when it dies).
func treeUsage(roots []int) (cpuSeconds float64, rss uint64, err error) {
	stats, err := allStats()
	if err != nil {
		return 0, 0, err
	}
	children := map[int][]int{}
	for pid, st := range stats {
		children[st.PPID] = append(children[st.PPID], pid)
	}
	seen := map[int]bool{}
	stack := append([]int(nil), roots...)
	for len(stack) > 0 {
		pid := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		st, ok := stats[pid]
		if !ok || seen[pid] {
			continue
		}
		seen[pid] = true
		cpuSeconds += st.CPUSecondsWithChildren()
		rss += st.RSSBytes()
		stack = append(stack, children[pid]...)
	}
	return cpuSeconds, rss, nil
}

// allStats reads every process's stat (processes vanishing meanwhile are
// skipped). A few hundred small reads: cheap at one sample a second.
func allStats() (map[int]procfs.Stat, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	out := make(map[int]procfs.Stat, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := procfs.Read(pid); err == nil {
			out[pid] = st
		}
	}
	return out, nil
}
