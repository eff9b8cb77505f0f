package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/targets/logtail"
	"github.com/scalebench/scalebench/targets/pgroup"
)

// tailBytes is how much of a component's log Logs and errors show.
const tailBytes = 64 << 10

// killGrace is how long a process group has between the stop signal and
// SIGKILL.
const killGrace = 2 * time.Second

// proc is one started process (the leader of its own process group) and
// its log file.
type proc struct {
	name    string // component: "instance-1", "primary", "nginx", "balancer"
	cmd     *exec.Cmd
	logPath string
	stopSig syscall.Signal
	done    chan struct{} // closed when the process has been reaped
	waitErr error         // valid after done
	// stopping is set before Down signals the process, so its exit is
	// not reported as a failure.
	stopping atomic.Bool
}

// procSpec says how to start one process.
type procSpec struct {
	name    string
	argv    []string
	env     []string // full environment
	dir     string
	logPath string
	cpus    []int          // pin to these CPUs (none: inherit)
	stopSig syscall.Signal // default SIGTERM
	// track and trackHome: start in the tracking cgroup track, then move
	// this thread back to trackHome (see startTracked; "": not tracked).
	track, trackHome string
}

// startProc starts p in its own process group with stdout and stderr
// going to its log file. onExit runs (in the waiter goroutine) when it
// exits without being stopped.
func startProc(ps procSpec, onExit func(p *proc, err error)) (*proc, error) {
	if len(ps.argv) == 0 {
		return nil, fmt.Errorf("%s: empty command", ps.name)
	}
	// The folder again: the results folder may have been deleted since
	// the deployment made it.
	if err := os.MkdirAll(filepath.Dir(ps.logPath), 0o755); err != nil {
		return nil, fmt.Errorf("%s: create log folder: %w", ps.name, err)
	}
	logf, err := os.OpenFile(ps.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: open log: %w", ps.name, err)
	}
	defer logf.Close() // the child holds its own copy
	cmd := exec.Command(ps.argv[0], ps.argv[1:]...)
	cmd.Env = ps.env
	cmd.Dir = ps.dir
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = logf, logf
	sig := ps.stopSig
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	// Pdeathsig: if scalebench itself is killed, the leader gets SIGTERM,
	// which every server here (nginx's master, the reference app's cluster
	// primary) answers by stopping its own children; SIGKILL would orphan
	// them. What a shell or a server ignoring it leaves is stopped by the
	// run's guard (targets/reaper), which kills the whole process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := startTracked(ps.track, ps.trackHome, func() error { return startOn(cmd, ps.cpus) }); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", ps.name, ps.argv[0], err)
	}
	p := &proc{name: ps.name, cmd: cmd, logPath: ps.logPath, stopSig: sig, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.waitErr = err
		close(p.done)
		if !p.stopping.Load() && onExit != nil {
			onExit(p, err)
		}
	}()
	return p, nil
}

// pid is the process id (also its process group id).
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has been reaped.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop signals the whole process group with stopSig, then SIGKILL after
// killGrace (or at once when ctx ends), and waits until the leader is
// reaped. Stragglers in the group get SIGKILL too. Safe to call twice.
func (p *proc) stop(ctx context.Context) {
	p.stopping.Store(true)
	pgroup.Stop(ctx, p.pid(), p.stopSig, killGrace, p.done)
}

// tail returns the last tailBytes of the process's log.
func (p *proc) tail() string { return readTail(p.logPath) }

// readTail returns the last tailBytes of a file ("" when unreadable).
func readTail(path string) string { return logtail.Read(path, tailBytes) }

// stopAll stops ps concurrently, so tearing down N processes takes one
// grace period rather than N.
func stopAll(ctx context.Context, ps []*proc) {
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() { p.stop(ctx) })
	}
	wg.Wait()
}

// exitText describes how a process ended.
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.String()
	}
	return err.Error()
}
