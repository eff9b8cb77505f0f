//go:build unix

package wsload

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises the soft RLIMIT_NOFILE towards the hard limit so
// that need descriptors fit, and fails when even the hard limit is lower.
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("read open-files limit: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	if lim.Max < need {
		return fmt.Errorf("open-files limit is %d (hard), below the %d this run needs: raise it (ulimit -Hn, /etc/security/limits.conf, LimitNOFILE=)", lim.Max, need)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raise open-files limit to %d: %w", lim.Max, err)
	}
	return nil
}
