package queue

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Work types.
const (
	WorkCPU = "cpu"
	WorkIO  = "io"
)

// MaxDuration bounds the work one job may ask for.
const MaxDuration = 10 * time.Second

// do performs one job's work: CPU burns d of thread CPU time, IO waits d.
func do(ctx context.Context, work string, d time.Duration) error {
	if work == WorkIO {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("work cancelled: %w", ctx.Err())
		}
	}
	return burn(ctx, d)
}

// burn hashes on one OS thread until that thread has used d of CPU time,
// the same idea as the app's /work (app.Burn, not imported: the app
// imports this package). Counting CPU time, not wall time, makes a job
// cost the same work whatever the contention.
func burn(ctx context.Context, d time.Duration) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, err := threadCPU()
	if err != nil {
		return err
	}
	var sum [sha256.Size]byte
	for {
		for range 256 {
			sum = sha256.Sum256(sum[:])
		}
		now, err := threadCPU()
		if err != nil {
			return err
		}
		if now-start >= d {
			sink.Store(uint32(sum[0]))
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("work cancelled: %w", ctx.Err())
		}
	}
}

var sink atomic.Uint32

func threadCPU() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, fmt.Errorf("read thread CPU time: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}
