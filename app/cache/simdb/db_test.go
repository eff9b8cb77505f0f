package simdb

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseLatency(t *testing.T) {
	tests := []struct {
		in   string
		want Latency
	}{
		{"5ms", Latency{Kind: "fixed", A: 5 * time.Millisecond}},
		{"fixed:1s", Latency{Kind: "fixed", A: time.Second}},
		{"uniform:2ms,8ms", Latency{Kind: "uniform", A: 2 * time.Millisecond, B: 8 * time.Millisecond}},
		{"lognormal:5ms, 40ms", Latency{Kind: "lognormal", A: 5 * time.Millisecond, B: 40 * time.Millisecond}},
	}
	for _, tt := range tests {
		got, err := ParseLatency(tt.in)
		if err != nil {
			t.Errorf("ParseLatency(%q) error = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseLatency(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
		if back, _ := ParseLatency(got.String()); back != got {
			t.Errorf("ParseLatency(%q).String() = %q does not round-trip", tt.in, got.String())
		}
	}
	for _, bad := range []string{"", "gauss:1ms", "uniform:8ms,2ms", "lognormal:0s,1ms", "fixed:-1ms", "uniform:1ms"} {
		if _, err := ParseLatency(bad); err == nil {
			t.Errorf("ParseLatency(%q) = nil error, want one", bad)
		}
	}
}

func TestLognormalQuantiles(t *testing.T) {
	l := Latency{Kind: "lognormal", A: 5 * time.Millisecond, B: 40 * time.Millisecond}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	below50, below99 := 0, 0
	for range n {
		d := l.Draw(r)
		if d <= l.A {
			below50++
		}
		if d <= l.B {
			below99++
		}
	}
	if f := float64(below50) / n; f < 0.48 || f > 0.52 {
		t.Errorf("fraction ≤ median = %.3f, want ≈ 0.50", f)
	}
	if f := float64(below99) / n; f < 0.985 || f > 0.995 {
		t.Errorf("fraction ≤ p99 = %.3f, want ≈ 0.99", f)
	}
}

func TestPoolSaturationRaisesWait(t *testing.T) {
	run := func(pool int) time.Duration {
		db, err := New(Options{Latency: Latency{Kind: "fixed", A: 10 * time.Millisecond}, PoolSize: pool})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { _, _ = db.Do(context.Background()) })
		}
		wg.Wait()
		return db.Stats().Wait
	}
	wide, narrow := run(8), run(2)
	if wide > 8*time.Millisecond {
		t.Errorf("pool 8, 8 queries: total wait = %v, want ≈ 0", wide)
	}
	// 8 queries of 10 ms on 2 connections: waits 0,0,10,10,20,20,30,30 ms.
	if narrow < 100*time.Millisecond {
		t.Errorf("pool 2, 8 queries: total wait = %v, want ≥ 100ms", narrow)
	}
}

func TestPoolTimeout(t *testing.T) {
	db, err := New(Options{Latency: Latency{Kind: "fixed", A: 200 * time.Millisecond}, PoolSize: 1, MaxWait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { _, _ = db.Do(context.Background()) })
	time.Sleep(10 * time.Millisecond)
	if _, err := db.Do(context.Background()); !errors.Is(err, ErrPoolTimeout) {
		t.Errorf("Do() on a busy pool = %v, want ErrPoolTimeout", err)
	}
	if got := db.Stats().Timeouts; got != 1 {
		t.Errorf("Stats().Timeouts = %d, want 1", got)
	}
}
