package reaper

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/targets/pgroup"
)

// ErrTaken is what a Claim callback returns when the candidate run id's
// folder is already in use, so Claim tries the next id.
var ErrTaken = errors.New("taken")

// maxClaims bounds the ids Claim tries (base, base-2, … base-maxClaims).
const maxClaims = 1000

// Options configure Claim.
type Options struct {
	// StateDir holds the records (default StateDir()).
	StateDir string
	// Exe is the binary whose hidden `reap RECORD` command is the guard
	// process; empty: no guard (the record is still kept, so the next run
	// or `scalebench clean` finds what a killed run left).
	Exe string
}

// Guard is a live run's record and its guard process. Its methods are
// safe for concurrent use; a nil *Guard does nothing.
type Guard struct {
	path string
	pipe *os.File // write end of the guard's stdin; only we hold it
	cmd  *exec.Cmd
	done chan struct{}

	mu     sync.Mutex
	rec    Record
	err    error // first failure to write the record
	closed bool
}

// Claim makes the run's record under a unique run id: base when free,
// else base-2, base-3, …. An id is free when no live or dead run holds a
// record by that name and folder(id) — which claims the run's results
// folder and returns it — does not return ErrTaken. Any other error from
// folder stops the claim. The guard process is started last.
func Claim(base string, folder func(id string) (string, error), opts Options) (g *Guard, id, dir string, err error) {
	state := opts.StateDir
	if state == "" {
		state = StateDir()
	}
	if err := ownDir(state); err != nil {
		return nil, "", "", err
	}
	for n := 1; n <= maxClaims; n++ {
		id = base
		if n > 1 {
			id = base + "-" + strconv.Itoa(n)
		}
		path := recordPath(state, id)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", "", fmt.Errorf("claim run id %s: %w", id, err)
		}
		f.Close()
		dir, err = folder(id)
		if errors.Is(err, ErrTaken) {
			_ = os.Remove(path)
			continue
		}
		if err != nil {
			_ = os.Remove(path)
			return nil, "", "", err
		}
		g, err = start(path, id, dir, opts.Exe)
		if err != nil {
			_ = os.Remove(path)
			return nil, "", "", err
		}
		return g, id, dir, nil
	}
	return nil, "", "", fmt.Errorf("claim run id %s: %d ids in use", base, maxClaims)
}

// start writes the first record and starts the guard process.
func start(path, id, dir, exe string) (*Guard, error) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	self := os.Getpid()
	g := &Guard{path: path, rec: Record{RunID: id, Dir: dir, Owner: Proc{PID: self, Start: pgroup.StartTime(self)}}}
	if exe != "" {
		if err := g.startGuard(exe); err != nil {
			return nil, err
		}
	}
	if err := writeRecord(path, &g.rec); err != nil {
		g.stopGuard()
		return nil, fmt.Errorf("write run record: %w", err)
	}
	return g, nil
}

// startGuard starts `exe reap RECORD` in its own process group (a Ctrl-C
// or a kill of scalebench's group does not reach it) with its stdin on a
// pipe whose write end only this process holds (close-on-exec keeps it
// out of every other child).
func (g *Guard) startGuard(exe string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start guard: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, "reap", g.path)
	cmd.Stdin = r
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("start guard %s reap: %w", exe, err)
	}
	g.cmd, g.pipe, g.done = cmd, w, make(chan struct{})
	go func() { _ = cmd.Wait(); close(g.done) }()
	g.rec.Guard = Proc{PID: cmd.Process.Pid, Start: pgroup.StartTime(cmd.Process.Pid)}
	return nil
}

// stopGuard closes the pipe (the guard reads EOF, finds no record and
// exits) and waits for it, killing it after 5 s.
func (g *Guard) stopGuard() {
	if g.cmd == nil {
		return
	}
	g.pipe.Close()
	select {
	case <-g.done:
	case <-time.After(5 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.done
	}
}

// RunID is the claimed run id.
func (g *Guard) RunID() string { return g.rec.RunID }

// Path is the record's file.
func (g *Guard) Path() string { return g.path }

// ProcessStarted records a process group (its leader pid) that must not
// outlive the run; name says what it is ("<target>/<component>").
func (g *Guard) ProcessStarted(pid int, name string, stopSig syscall.Signal, port int) {
	g.update(func(r *Record) {
		r.Groups = append(r.Groups, Group{Proc: Proc{PID: pid, Start: pgroup.StartTime(pid)}, Name: name, Signal: int(stopSig), Port: port})
	})
}

// ProcessStopped forgets the group led by pid (it was stopped).
func (g *Guard) ProcessStopped(pid int) {
	g.update(func(r *Record) {
		r.Groups = slices.DeleteFunc(r.Groups, func(x Group) bool { return x.PID == pid })
	})
}

// CgroupCreated records a cgroup folder made for the run.
func (g *Guard) CgroupCreated(dir string) {
	g.update(func(r *Record) {
		if !slices.Contains(r.Cgroups, dir) {
			r.Cgroups = append(r.Cgroups, dir)
		}
	})
}

// CgroupRemoved forgets a cgroup folder (it was removed).
func (g *Guard) CgroupRemoved(dir string) {
	g.update(func(r *Record) { r.Cgroups = slices.DeleteFunc(r.Cgroups, func(x string) bool { return x == dir }) })
}

// TargetStarted records the target now being measured.
func (g *Guard) TargetStarted(name, topology string) {
	g.update(func(r *Record) { r.Target, r.Topology = name, topology })
}

// DockerUsed records that the run creates containers and networks.
func (g *Guard) DockerUsed() { g.update(func(r *Record) { r.Docker = true }) }

// DockerCreated records a container or network ("container", "network").
func (g *Guard) DockerCreated(kind, id, name string) {
	g.update(func(r *Record) {
		r.Docker = true
		if kind == "network" {
			r.Networks = append(r.Networks, Resource{ID: id, Name: name})
		} else {
			r.Containers = append(r.Containers, Resource{ID: id, Name: name})
		}
	})
}

// DockerRemoved forgets a container or network.
func (g *Guard) DockerRemoved(id string) {
	g.update(func(r *Record) {
		gone := func(x Resource) bool { return x.ID == id }
		r.Containers = slices.DeleteFunc(r.Containers, gone)
		r.Networks = slices.DeleteFunc(r.Networks, gone)
	})
}

// update changes the record and rewrites its file.
func (g *Guard) update(f func(*Record)) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	f(&g.rec)
	if err := writeRecord(g.path, &g.rec); err != nil && g.err == nil {
		g.err = err
	}
}

// Close ends a run that stopped everything it started: it removes the
// record, then lets the guard go. It returns the first failure to keep
// the record up to date. Safe to call twice.
func (g *Guard) Close() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	err := g.err
	g.mu.Unlock()
	if rerr := os.Remove(g.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	g.stopGuard()
	if err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	return nil
}

// ownDir creates the state folder (mode 0700) and checks that it is a
// folder of this user's, not one another user planted in /tmp.
func ownDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("state folder: %w (set %s to a folder you own)", err, EnvStateDir)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || (ok && int(sys.Uid) != os.Getuid()) {
		return fmt.Errorf("state folder %s is not a folder owned by you (set %s to one that is)", dir, EnvStateDir)
	}
	return nil
}
