//go:build unix

package wsload

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises the soft RLIMIT_NOFILE so that need descriptors
// fit: to need when the hard limit allows it; else both limits to need,
// which a process with CAP_SYS_RESOURCE may do up to fs.nr_open; else, when
// the process may not, the soft limit to the hard one. It returns the soft
// limit in force afterwards, which is below need in the last case.
func raiseFileLimit(need uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read open-files limit: %w", err)
	}
	if lim.Cur >= need {
		return lim.Cur, nil
	}
	if lim.Max < need {
		raised := syscall.Rlimit{Cur: need, Max: need}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			return need, nil
		}
	}
	if lim.Cur < lim.Max {
		lim.Cur = min(lim.Max, need)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise open-files limit to %d: %w", lim.Cur, err)
		}
	}
	return lim.Cur, nil
}
