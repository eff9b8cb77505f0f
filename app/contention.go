package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scalebench/scalebench/app/cpuwork"
)

// Environment a driver sets so that every instance of one target shares a
// serial section: the lock file they all flock, and how many instances
// (peers) the target has.
const (
	// SharedLockEnv names the lock file shared by a target's instances.
	// Unset, the serial section is shared within the process only.
	SharedLockEnv = "SCALEBENCH_SHARED_LOCK"
	// PeersEnv is the number of instances of the target (default 1).
	PeersEnv = "SCALEBENCH_PEERS"
	// MaxSerial bounds /work?serial= and ?coherency=.
	MaxSerial = time.Second
	// SerialEnv and CoherencyEnv set an instance's default ?serial= and
	// ?coherency= (Go durations), so that targets of one scenario — which
	// share its requests — can differ in contention (target env:).
	SerialEnv    = "SCALEBENCH_WORK_SERIAL"
	CoherencyEnv = "SCALEBENCH_WORK_COHERENCY"
)

// contention is the dial for scaling experiments: a section that all
// instances of a target take in turn (a row lock in a shared database,
// a global counter), held for serial plus coherency × (peers − 1) of wall
// time per request. The serial part caps the target's throughput at
// 1/serial however many instances it has (USL's σ); the coherency part
// grows with the number of peers, so past a point adding instances
// lowers throughput (USL's κ).
type contention struct {
	mu    sync.Mutex // one holder per process: flock does not exclude the same file description
	path  string
	peers int
	// serial and coherency are the defaults from the environment.
	serial, coherency time.Duration
	once              sync.Once
	f                 *os.File
	err               error
}

// newContention reads the driver's environment.
func newContention() *contention {
	peers, err := strconv.Atoi(os.Getenv(PeersEnv))
	if err != nil || peers < 1 {
		peers = 1
	}
	c := &contention{path: os.Getenv(SharedLockEnv), peers: peers}
	c.serial, _ = envDuration(SerialEnv)
	c.coherency, _ = envDuration(CoherencyEnv)
	return c
}

// envDuration reads a duration in [0, MaxSerial] from the environment.
func envDuration(name string) (time.Duration, bool) {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil || d < 0 || d > MaxSerial {
		return 0, false
	}
	return d, true
}

// hold takes the shared section for serial + coherency × (peers − 1).
func (c *contention) hold(ctx context.Context, serial, coherency time.Duration) (time.Duration, error) {
	d := serial + coherency*time.Duration(c.peers-1)
	if d <= 0 {
		return 0, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path != "" {
		unlock, err := c.flock()
		if err != nil {
			return 0, err
		}
		defer unlock()
	}
	if err := cpuwork.Wait(ctx, d); err != nil {
		return 0, err
	}
	return d, nil
}

// flock locks the shared file, opened once per process.
func (c *contention) flock() (func(), error) {
	c.once.Do(func() {
		c.f, c.err = os.OpenFile(c.path, os.O_RDWR|os.O_CREATE, 0o600)
	})
	if c.err != nil {
		return nil, fmt.Errorf("shared lock: %w", c.err)
	}
	fd := int(c.f.Fd())
	for {
		err := unix.Flock(fd, unix.LOCK_EX)
		if err == nil {
			break
		}
		if err != unix.EINTR {
			return nil, fmt.Errorf("shared lock %s: %w", c.path, err)
		}
	}
	return func() { _ = unix.Flock(fd, unix.LOCK_UN) }, nil
}
