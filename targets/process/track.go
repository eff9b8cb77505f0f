package process

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scalebench/scalebench/app"
)

// A deployment's processes are also kept in one tracking cgroup (in the
// v1 pids hierarchy, which limits nothing unless asked), whatever their
// process group: a server that moves its children to a group or session
// of their own (a daemonising script) still cannot leave the cgroup, so
// Down and a dead run's guard (targets/reaper) find and kill all of them.
// Without a v1 pids hierarchy or the permission, the process group is all
// there is.

// trackDir returns, creating it on first use, the deployment's tracking
// cgroup ("" when unavailable).
func (dep *Deployment) trackDir() string {
	cg := dep.driver.cgroups()
	if cg.pidsParent == "" {
		return ""
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	if dep.track != "" || dep.trackFailed {
		return dep.track
	}
	cg.mu.Lock()
	dir, err := cg.mkdirAll(cg.pidsParent, dep.cgRel)
	cg.mu.Unlock()
	if err != nil {
		dep.trackFailed = true
		return ""
	}
	dep.track = dir
	dep.driver.opts.Tracker.CgroupCreated(dir)
	return dir
}

// trackPID puts pid (and the children it forks from now on) in the
// tracking cgroup. For what scalebench forks itself, startTracked is
// better: it has no window in which a child escapes.
func (dep *Deployment) trackPID(pid int) {
	if dir := dep.trackDir(); dir != "" {
		_ = app.JoinCgroup(dir, pid)
	}
}

// killTracked SIGKILLs whatever is left in the tracking cgroup once the
// process groups were stopped, until it is empty (at most a second).
func (dep *Deployment) killTracked() {
	dep.mu.Lock()
	dir := dep.track
	dep.mu.Unlock()
	if dir == "" {
		return
	}
	for range 50 {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		pids := strings.Fields(string(b))
		if err != nil || len(pids) == 0 {
			return
		}
		for _, s := range pids {
			// Never ourselves: a thread of ours found there (one that
			// forked a server) must not get the group killed.
			if pid, err := strconv.Atoi(s); err == nil && pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			} else if err == nil && len(pids) == 1 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startTracked runs start (which forks a child from the calling thread)
// with that thread moved into the tracking cgroup dir, then moves it back
// to home. In cgroup v1 a thread can sit in its own cgroup, and a child
// starts in its parent thread's: so the server and everything it forks,
// however early, are tracked. Without dir it just calls start.
func startTracked(dir, home string, start func() error) error {
	if dir == "" || home == "" {
		return start()
	}
	runtime.LockOSThread()
	tid := strconv.Itoa(unix.Gettid())
	if err := os.WriteFile(filepath.Join(dir, "tasks"), []byte(tid), 0o644); err != nil {
		runtime.UnlockOSThread()
		return start() // untracked: the process group still holds it
	}
	err := start()
	if herr := os.WriteFile(filepath.Join(home, "tasks"), []byte(tid), 0o644); herr != nil {
		// Leave the thread locked, so it ends with this goroutine rather
		// than forking other processes into the tracking cgroup.
		return errors.Join(err, fmt.Errorf("move thread back to cgroup %s: %w", home, herr))
	}
	runtime.UnlockOSThread()
	return err
}
