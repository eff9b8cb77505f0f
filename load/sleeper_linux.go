package load

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// sleeper sleeps precisely without holding the Go scheduler: it arms a
// timerfd and reads it through the runtime's network poller, so the
// sleeping goroutine is parked like one waiting on a socket and its P runs
// the workers meanwhile, and the wake-up comes with the kernel's timer
// precision (tens of µs) rather than the runtime timers' millisecond when
// the process is otherwise idle.
//
// nanosleep(2) (preciseSleep) is precise too, but it is a system call that
// keeps its P: with GOMAXPROCS=1 — the generator pinned to one CPU — the
// workers could not run while the pacer slept, until sysmon took the P
// away, and an open-model phase at 20,000 req/s fell far behind.
//
// One goroutine at a time may sleep on a sleeper. A nil *sleeper (the
// timerfd could not be made) falls back to preciseSleep.
type sleeper struct {
	fd int
	f  *os.File
}

// newSleeper returns a sleeper, or nil when no timerfd can be made.
func newSleeper() *sleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	// A non-blocking descriptor makes a pollable *os.File. (Never call its
	// Fd method: that would switch it to blocking mode.)
	return &sleeper{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}
}

// sleep blocks for d.
func (s *sleeper) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	if s == nil {
		coarseThenPreciseSleep(d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(s.fd, 0, &spec, nil); err != nil {
		coarseThenPreciseSleep(d)
		return
	}
	var buf [8]byte // the expiry count
	if _, err := s.f.Read(buf[:]); err != nil {
		coarseThenPreciseSleep(d)
	}
}

// close releases the timerfd.
func (s *sleeper) close() {
	if s != nil {
		_ = s.f.Close()
	}
}
