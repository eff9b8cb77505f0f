package load

import (
	"math"
	"testing"
	"time"
)

func TestScheduleConstant(t *testing.T) {
	s := newSchedule(400, 0, 3*time.Second)
	if s.hits != 1200 {
		t.Fatalf("hits = %d, want 1200", s.hits)
	}
	for _, n := range []uint64{0, 1, 2, 399, 400, 1199} {
		got := s.due(n)
		want := time.Duration(n) * 2500 * time.Microsecond
		if d := got - want; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("due(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestScheduleRamp(t *testing.T) {
	// 100 → 300 req/s over 10 s: 2000 hits, rate(t) = 100 + 20t.
	s := newSchedule(100, 300, 10*time.Second)
	if s.hits != 2000 {
		t.Fatalf("hits = %d, want 2000", s.hits)
	}
	prev := time.Duration(-1)
	for n := uint64(0); n < s.hits; n++ {
		d := s.due(n)
		if d <= prev {
			t.Fatalf("due(%d) = %v, not after due(%d) = %v", n, d, n-1, prev)
		}
		prev = d
		if got := s.hitsBy(d); math.Abs(got-float64(n)) > 1e-6 {
			t.Fatalf("hitsBy(due(%d)) = %v, want %d", n, got, n)
		}
	}
	if got, want := s.due(1000), time.Duration((-100+math.Sqrt(100*100+2*20*1000))/20*1e9); absDur(got-want) > time.Microsecond {
		t.Errorf("due(1000) = %v, want %v", got, want)
	}
	// A ramp down ends at the duration too.
	down := newSchedule(300, 100, 10*time.Second)
	if got := down.due(down.hits - 1); got >= 10*time.Second || got < 9900*time.Millisecond {
		t.Errorf("ramp down: due(last) = %v, want just under 10s", got)
	}
	if got, want := s.firstHitAt(5*time.Second), uint64(750); got != want {
		t.Errorf("firstHitAt(5s) = %d, want %d", got, want)
	}
}

func TestOpenPacerStopsAfterSchedule(t *testing.T) {
	p := openPacer{s: newSchedule(10, 0, time.Second)}
	tests := []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 0, false},
		{0, 1, 0, false},                      // long wait: the pacer sleeps all of it (vegeta sends right after Pace)
		{150 * time.Millisecond, 1, 0, false}, // behind: send now
		{150 * time.Millisecond, 2, 0, false},
		{195 * time.Millisecond, 2, 0, false}, // short wait: the pacer sleeps 5 ms itself
		{950 * time.Millisecond, 9, 0, false},
		{950 * time.Millisecond, 10, 0, true},
		{5 * time.Second, 10, 0, true},
	}
	for _, tt := range tests {
		began := time.Now()
		wait, stop := p.Pace(tt.elapsed, tt.hits)
		if tt.hits == 2 && tt.elapsed == 195*time.Millisecond && time.Since(began) < 5*time.Millisecond {
			t.Errorf("Pace(195ms, 2) returned after %v, want it to sleep 5 ms", time.Since(began))
		}
		if absDur(wait-tt.wait) > time.Microsecond || stop != tt.stop {
			t.Errorf("Pace(%v, %d) = %v, %v, want %v, %v", tt.elapsed, tt.hits, wait, stop, tt.wait, tt.stop)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
