package cpuwork

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestBurnUsesThreadCPU checks that Burn counts this thread's CPU time:
// the process CPU time it adds is about the requested amount.
func TestBurnUsesThreadCPU(t *testing.T) {
	const d = 50 * time.Millisecond
	before := processCPU(t)
	used, err := Burn(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	delta := processCPU(t) - before
	t.Logf("Burn(%s): thread CPU %s, process CPU +%s", d, used, delta)
	if used < d || used > d+20*time.Millisecond {
		t.Errorf("Burn(%s) used %s of thread CPU, want %s..%s", d, used, d, d+20*time.Millisecond)
	}
	if delta < d-5*time.Millisecond {
		t.Errorf("Burn(%s): process CPU grew by %s, want at least %s", d, delta, d)
	}
}

func TestBurnCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Burn(ctx, time.Second); err == nil {
		t.Errorf("Burn(cancelled) = nil error, want one")
	}
}

func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
