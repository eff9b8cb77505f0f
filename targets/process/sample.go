package process

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procStat is the part of /proc/<pid>/stat that sampling needs.
type procStat struct {
	ppid int
	// cpuTicks is utime+stime+cutime+cstime: the process's own CPU time
	// plus that of children it has reaped (a restarted cluster worker's
	// time is not lost when it dies).
	cpuTicks uint64
	rssPages uint64
}

// readStat parses /proc/<pid>/stat.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// parseStat parses the content of /proc/<pid>/stat. The command name is
// in parentheses and may itself contain spaces or parentheses, so fields
// are counted from the last ')'.
func parseStat(b []byte) (procStat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("parse /proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("parse /proc stat: %d fields", len(f)+2)
	}
	num := func(n int) uint64 {
		v, _ := strconv.ParseUint(string(f[n-3]), 10, 64)
		return v
	}
	ppid, _ := strconv.Atoi(string(f[4-3]))
	return procStat{
		ppid:     ppid,
		cpuTicks: num(14) + num(15) + num(16) + num(17),
		rssPages: num(24),
	}, nil
}

// treeUsage sums CPU seconds and RSS over roots and all their descendants.
func treeUsage(roots []int) (cpuSeconds float64, rss uint64, err error) {
	stats, err := allStats()
	if err != nil {
		return 0, 0, err
	}
	children := map[int][]int{}
	for pid, st := range stats {
		children[st.ppid] = append(children[st.ppid], pid)
	}
	var ticks, pages uint64
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
		ticks += st.cpuTicks
		pages += st.rssPages
		stack = append(stack, children[pid]...)
	}
	return float64(ticks) / clockTicks, pages * uint64(os.Getpagesize()), nil
}

// allStats reads every process's stat (processes vanishing meanwhile are
// skipped). A few hundred small reads: cheap at one sample a second.
func allStats() (map[int]procStat, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	out := make(map[int]procStat, len(ents))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil {
			out[pid] = st
		}
	}
	return out, nil
}
