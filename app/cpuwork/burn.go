// Package cpuwork does a fixed amount of real CPU work, counted in the
// calling thread's CPU time. The reference app's /work endpoint and the
// queue workers' CPU jobs both use it, so a request and a job of the same
// duration cost the same work.
package cpuwork

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Burn does real work (SHA-256 hashing) on one OS thread until that thread
// has used d of CPU time, and returns the CPU time used. Because it counts
// the thread's CPU time rather than wall time, a CPU quota or contention
// makes it take longer but not do less: the same request costs the same
// work on every machine, which is what makes scaling experiments honest.
// It stops early when ctx ends.
func Burn(ctx context.Context, d time.Duration) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, err := threadCPU()
	if err != nil {
		return 0, err
	}
	var sum [sha256.Size]byte
	for {
		// About 50–100 µs of hashing between clock reads.
		for range 256 {
			sum = sha256.Sum256(sum[:])
		}
		now, err := threadCPU()
		if err != nil {
			return 0, err
		}
		if used := now - start; used >= d {
			sink.Store(uint32(sum[0]))
			return used, nil
		}
		if ctx.Err() != nil {
			return now - start, fmt.Errorf("work cancelled: %w", ctx.Err())
		}
	}
}

// sink keeps the hashing from being optimised away.
var sink atomic.Uint32

// threadCPU reads the calling thread's CPU time.
func threadCPU() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, fmt.Errorf("read thread CPU time: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}
