package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ClusterOptions configure a cluster primary (RunCluster).
type ClusterOptions struct {
	// Addr and Port are where the shared socket listens (see Options).
	Addr string
	Port int
	// Workers is the number of worker processes (≥ 1).
	Workers int
	// Exe is the binary that runs a worker (default: this executable).
	Exe string
	// ExtraArgs are appended to every worker's command line.
	ExtraArgs []string
	// WorkerCgroups holds, per worker slot, the cgroup directories each
	// (re)started worker of that slot is moved into (cgroup v1 needs one
	// per controller). Missing slots mean none.
	WorkerCgroups [][]string
	// MaxCrashes within CrashWindow make the primary give up and return an
	// error (defaults 5 and 30 s), so a crash-looping app fails the target.
	MaxCrashes  int
	CrashWindow time.Duration
	// Stdout and Stderr receive the workers' output and the primary's
	// messages (default os.Stdout and os.Stderr). Use *os.File values so
	// workers write directly instead of through a copying goroutine.
	Stdout, Stderr io.Writer
	// Ready, when set, is called with the shared socket's address once the
	// workers have been started.
	Ready func(addr net.Addr)
}

// WorkerArgs is the command line (after the executable) of cluster worker
// slot i, which accepts on the inherited socket fd 3: `serve --listen-fd 3
// --id worker-<i> --worker <i>`.
func WorkerArgs(slot int) []string {
	return []string{"serve", "--listen-fd", "3", "--id", WorkerID(slot), "--worker", strconv.Itoa(slot)}
}

// WorkerID names cluster worker slot i; a restarted worker keeps its slot's id.
func WorkerID(slot int) string { return "worker-" + strconv.Itoa(slot) }

// RunCluster is the cluster primary, like Node's cluster module in
// SCHED_NONE mode: it opens the listening socket, passes it to
// opts.Workers worker processes that all accept on it, restarts a worker
// that dies (with bounded backoff), and gives up with an error after
// MaxCrashes crashes within CrashWindow. When ctx ends it sends SIGTERM to
// the workers, waits up to 1.5 s, then kills the rest. Workers get SIGKILL
// if the primary dies (Pdeathsig).
func RunCluster(ctx context.Context, opts ClusterOptions) error {
	if opts.Workers < 1 {
		return fmt.Errorf("cluster: workers must be ≥ 1, got %d", opts.Workers)
	}
	c, err := newCluster(opts)
	if err != nil {
		return err
	}
	defer c.lnFile.Close()
	defer c.ln.Close()
	for slot := 1; slot <= opts.Workers; slot++ {
		if err := c.start(slot); err != nil {
			c.stop()
			return err
		}
	}
	if opts.Ready != nil {
		opts.Ready(c.ln.Addr())
	}
	err = c.supervise(ctx)
	c.stop()
	return err
}

// cluster is the primary's state. Only the goroutine running RunCluster
// touches workers; waiter goroutines only report exits on c.exits.
type cluster struct {
	opts    ClusterOptions
	ln      net.Listener
	lnFile  *os.File
	workers map[int]*exec.Cmd
	exits   chan workerExit
	wg      sync.WaitGroup
	crashes []time.Time
	backoff map[int]time.Duration
	started map[int]time.Time
}

// workerExit reports that the worker of a slot exited.
type workerExit struct {
	slot int
	cmd  *exec.Cmd
	err  error
}

func newCluster(opts ClusterOptions) (*cluster, error) {
	if opts.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("cluster: find own executable: %w", err)
		}
		opts.Exe = exe
	}
	if opts.MaxCrashes <= 0 {
		opts.MaxCrashes = 5
	}
	if opts.CrashWindow <= 0 {
		opts.CrashWindow = 30 * time.Second
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	ln, err := listen(Options{Addr: opts.Addr, Port: opts.Port})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		ln.Close()
		return nil, fmt.Errorf("cluster: listener is %T, not TCP", ln)
	}
	f, err := tl.File()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("cluster: share listener: %w", err)
	}
	return &cluster{
		opts: opts, ln: ln, lnFile: f,
		workers: map[int]*exec.Cmd{},
		exits:   make(chan workerExit, opts.Workers),
		backoff: map[int]time.Duration{},
		started: map[int]time.Time{},
	}, nil
}

// start launches the worker of slot and moves it into its cgroups.
func (c *cluster) start(slot int) error {
	args := append(WorkerArgs(slot), c.opts.ExtraArgs...)
	cmd := exec.Command(c.opts.Exe, args...)
	cmd.ExtraFiles = []*os.File{c.lnFile}
	cmd.Stdout, cmd.Stderr = c.opts.Stdout, c.opts.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cluster: start %s: %w", WorkerID(slot), err)
	}
	if slot <= len(c.opts.WorkerCgroups) {
		for _, dir := range c.opts.WorkerCgroups[slot-1] {
			if err := JoinCgroup(dir, cmd.Process.Pid); err != nil {
				c.logf("%s: %v", WorkerID(slot), err)
			}
		}
	}
	c.workers[slot] = cmd
	c.started[slot] = time.Now()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.exits <- workerExit{slot: slot, cmd: cmd, err: cmd.Wait()}
	}()
	return nil
}

// supervise restarts dead workers until ctx ends or too many crash.
func (c *cluster) supervise(ctx context.Context) error {
	restart := make(chan int, c.opts.Workers)
	var timers []*time.Timer
	defer func() {
		for _, t := range timers {
			t.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case slot := <-restart:
			if err := c.start(slot); err != nil {
				return err
			}
		case e := <-c.exits:
			delete(c.workers, e.slot)
			if ctx.Err() != nil {
				return nil
			}
			// A worker that exited cleanly (a graceful SIGTERM, as in a
			// rolling restart) is replaced without counting as a crash.
			if e.err != nil {
				if err := c.noteCrash(e); err != nil {
					return err
				}
			}
			wait := c.nextBackoff(e.slot)
			c.logf("%s (pid %d) exited: %v; restarting in %s", WorkerID(e.slot), e.cmd.Process.Pid, exitText(e.err), wait)
			slot := e.slot
			timers = append(timers, time.AfterFunc(wait, func() { restart <- slot }))
		}
	}
}

// noteCrash records a crash and fails once there were too many recently.
func (c *cluster) noteCrash(e workerExit) error {
	now := time.Now()
	kept := c.crashes[:0]
	for _, t := range c.crashes {
		if now.Sub(t) < c.opts.CrashWindow {
			kept = append(kept, t)
		}
	}
	c.crashes = append(kept, now)
	if len(c.crashes) >= c.opts.MaxCrashes {
		return fmt.Errorf("cluster: workers crashed %d times within %s (last: %s: %s); giving up",
			len(c.crashes), c.opts.CrashWindow, WorkerID(e.slot), exitText(e.err))
	}
	return nil
}

// nextBackoff doubles a slot's restart delay from 100 ms up to 5 s, and
// starts over when the worker had been up for more than 10 s.
func (c *cluster) nextBackoff(slot int) time.Duration {
	b := c.backoff[slot]
	switch {
	case b == 0 || time.Since(c.started[slot]) > 10*time.Second:
		b = 100 * time.Millisecond
	default:
		b = min(2*b, 5*time.Second)
	}
	c.backoff[slot] = b
	return b
}

// stop sends SIGTERM to live workers, kills those still alive after 1.5 s
// and waits for every waiter goroutine.
func (c *cluster) stop() {
	for _, cmd := range c.workers {
		_ = cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.NewTimer(1500 * time.Millisecond)
	defer deadline.Stop()
	for len(c.workers) > 0 {
		select {
		case e := <-c.exits:
			delete(c.workers, e.slot)
		case <-deadline.C:
			for _, cmd := range c.workers {
				_ = cmd.Process.Kill()
			}
		}
	}
	// Every started worker's exit has now been received (by supervise or
	// above), so the waiters have all finished or are about to.
	c.wg.Wait()
}

func (c *cluster) logf(format string, args ...any) {
	fmt.Fprintf(c.opts.Stderr, "scalebench primary: "+format+"\n", args...)
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

// JoinCgroup moves pid (all its threads) into the cgroup directory dir.
func JoinCgroup(dir string, pid int) error {
	f := filepath.Join(dir, "cgroup.procs")
	if err := os.WriteFile(f, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("join cgroup %s: %w", dir, err)
	}
	return nil
}

// FormatWorkerCgroups encodes per-slot cgroup dirs for the primary's
// --worker-cgroups flag: slots separated by ",", a slot's dirs by ":".
func FormatWorkerCgroups(slots [][]string) string {
	parts := make([]string, len(slots))
	for i, dirs := range slots {
		parts[i] = strings.Join(dirs, ":")
	}
	return strings.Join(parts, ",")
}

// ParseWorkerCgroups decodes FormatWorkerCgroups.
func ParseWorkerCgroups(s string) [][]string {
	if s == "" {
		return nil
	}
	var out [][]string
	for _, slot := range strings.Split(s, ",") {
		var dirs []string
		for _, d := range strings.Split(slot, ":") {
			if d != "" {
				dirs = append(dirs, d)
			}
		}
		out = append(out, dirs)
	}
	return out
}
