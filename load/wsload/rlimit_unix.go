//go:build unix

package wsload

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises the soft RLIMIT_NOFILE towards the hard limit so
// that need descriptors fit. When even the hard limit is lower it raises
// both to need, which a process with CAP_SYS_RESOURCE (root) may do up to
// fs.nr_open, and fails when it may not.
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("read open-files limit: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	if lim.Max < need {
		raised := syscall.Rlimit{Cur: need, Max: need}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err == nil {
			return nil
		}
		return fmt.Errorf("open-files limit is %d (hard), below the %d this run needs, and this process may not raise it: raise it (ulimit -Hn, /etc/security/limits.conf, LimitNOFILE=) or run as root", lim.Max, need)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise open-files limit to %d: %w", lim.Max, err)
	}
	return nil
}
