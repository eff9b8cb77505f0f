package pgroup

import (
	"syscall"
	"time"

	"github.com/scalebench/scalebench/internal/procfs"
)

// StartTime returns the start time of process pid in clock ticks since
// boot (field 22 of /proc/pid/stat), or "" when it is not running. A pid
// with the same start time is the same process: pids are reused, start
// times are not.
func StartTime(pid int) string { return procfs.StartTime(pid) }

// Members lists the live (not zombie) processes of group pgid.
func Members(pgid int) []int { return liveMembers(pgid) }

// StopOrphans stops group pgid when it is not this process's child (its
// leader may be dead, its members re-parented to init): sig to the group,
// up to grace for it to empty, then SIGKILL until no live member is left
// (at most a second more). It returns the members it found at first.
func StopOrphans(pgid int, sig syscall.Signal, grace time.Duration) []int {
	found := liveMembers(pgid)
	if len(found) == 0 {
		return nil
	}
	_ = syscall.Kill(-pgid, sig)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && len(liveMembers(pgid)) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	waitGone(pgid)
	return found
}
