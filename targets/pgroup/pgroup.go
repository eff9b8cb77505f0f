// Package pgroup stops a process group the way every server scalebench
// starts is stopped: a polite signal, a grace period, then SIGKILL to the
// whole group, so nothing the server forked survives it. The process
// driver (instances, balancers) uses Stop; targets/redis and targets/postgres
// embed Leader, which reaps the server and stops its group.
package pgroup

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/internal/procfs"
)

// Stop sends sig to process group pgid, waits until done is closed (the
// leader was reaped), grace passes or ctx ends, then SIGKILLs the group,
// waits for done and briefly for stragglers. Safe to call when the leader
// has already exited.
func Stop(ctx context.Context, pgid int, sig syscall.Signal, grace time.Duration, done <-chan struct{}) {
	select {
	case <-done:
	default:
		_ = syscall.Kill(-pgid, sig)
		t := time.NewTimer(grace)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-done
	waitGone(pgid)
}

// waitGone waits briefly until no live process of group pgid is left
// (members other than the leader may take a moment to die after SIGKILL).
// Zombies count as gone: an orphan stays one until pid 1 reaps it, which
// in some containers never happens.
func waitGone(pgid int) {
	for range 100 {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) || len(liveMembers(pgid)) == 0 {
			return
		}
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		time.Sleep(10 * time.Millisecond)
	}
}

// liveMembers lists the pids of group pgid that are not zombies (an orphan
// killed with its group may stay a zombie until pid 1 reaps it).
func liveMembers(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := procfs.Read(pid)
		if err == nil && !st.Zombie() && st.PGRP == pgid {
			out = append(out, pid)
		}
	}
	return out
}
