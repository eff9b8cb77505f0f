package pgroup

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Leader is a started server process that leads its own process group
// (Setpgid): it reaps the process, tells an expected exit from a crash
// and stops the whole group. targets/redis and targets/postgres embed it.
type Leader struct {
	cmd  *exec.Cmd
	name string
	done chan struct{} // closed when the process has been reaped

	mu       sync.Mutex
	stopping bool  // the exit is expected (Stop or Abort was called)
	stopped  bool  // Stop was called
	exitErr  error // set when it exited otherwise
}

// Watch reaps cmd, already started, in the background; name says which
// server it is in the error of an unexpected exit.
func Watch(cmd *exec.Cmd, name string) *Leader {
	l := &Leader{cmd: cmd, name: name, done: make(chan struct{})}
	go l.wait()
	return l
}

func (l *Leader) wait() {
	err := l.cmd.Wait()
	l.mu.Lock()
	if !l.stopping {
		if err == nil {
			err = errors.New("exit status 0")
		}
		l.exitErr = fmt.Errorf("%s (pid %d) exited unexpectedly: %w", l.name, l.PID(), err)
	}
	l.mu.Unlock()
	close(l.done)
}

// PID is the process id, which is also the process group id.
func (l *Leader) PID() int { return l.cmd.Process.Pid }

// Done is closed when the process has exited, for any reason.
func (l *Leader) Done() <-chan struct{} { return l.done }

// Err is non-nil once the process has exited without Stop or Abort being
// called (it crashed, or Kill was used).
func (l *Leader) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.exitErr
}

// Kill sends SIGKILL to the process group and waits until the leader is
// reaped. It simulates a crash: Err reports it.
func (l *Leader) Kill() {
	_ = syscall.Kill(-l.PID(), syscall.SIGKILL)
	<-l.done
}

// Abort ends the group with SIGKILL after a failed start (an expected
// exit: Err stays nil).
func (l *Leader) Abort() {
	l.mu.Lock()
	l.stopping = true
	l.mu.Unlock()
	Stop(context.Background(), l.PID(), syscall.SIGKILL, 0, l.done)
}

// Stop ends the group as the package's Stop does, with sig first and
// SIGKILL after grace or when ctx ends. It reports false, doing nothing,
// when Stop was called before; it is safe after Kill.
func (l *Leader) Stop(ctx context.Context, sig syscall.Signal, grace time.Duration) bool {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return false
	}
	l.stopped, l.stopping = true, true
	l.mu.Unlock()
	Stop(ctx, l.PID(), sig, grace, l.done)
	return true
}
