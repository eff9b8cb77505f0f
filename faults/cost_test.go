package faults

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

// steady builds n seconds at 100 req/s, p99 10 ms, no errors, from t0.
func steady(t0, n int) []results.Point {
	var out []results.Point
	for i := range n {
		out = append(out, results.Point{T: float64(t0 + i), Requests: 100, P99: 10, Max: 12})
	}
	return out
}

func f64(x float64) *float64 { return &x }

// spike gives second i of tl errs 502 errors and a p99 of p99 ms.
func spike(tl []results.Point, i int, errs uint64, p99 float64) []results.Point {
	tl[i].Errors, tl[i].P99, tl[i].Max = errs, p99, p99*2
	if errs > 0 {
		tl[i].ErrorsByKind = map[string]uint64{"status_502": errs}
	}
	return tl
}

func TestCost(t *testing.T) {
	tests := []struct {
		name string
		tl   []results.Point
		f    results.Fault
		want results.Fault
	}{
		{
			name: "no effect: recovered with the next second, nothing lost",
			tl:   steady(0, 10),
			f:    results.Fault{Action: "rolling_restart", AtS: 4.2, EndS: 4.2},
			want: results.Fault{Action: "rolling_restart", AtS: 4.2, EndS: 4.2, Requests: 200, MaxLatencyMs: 12, BaselineP99Ms: 10, RecoveryS: f64(0.8)},
		},
		{
			name: "kill: two bad seconds, then back",
			tl:   spike(spike(steady(0, 10), 5, 14, 80), 6, 3, 40),
			f:    results.Fault{Action: "kill", AtS: 5.5, EndS: 5.5},
			want: results.Fault{Action: "kill", AtS: 5.5, EndS: 5.5, Requests: 300, Errors: 17, ErrorsByKind: map[string]uint64{"status_502": 17}, MaxLatencyMs: 160, BaselineP99Ms: 10, RecoveryS: f64(1.5)},
		},
		{
			name: "pause: the seconds during the action do not count as recovered",
			tl: func() []results.Point {
				tl := steady(0, 10)
				tl[4].Requests, tl[4].P99 = 50, 10 // the paused half has not completed yet
				tl[5].P99, tl[5].Max = 1000, 1500  // they all complete late
				return tl
			}(),
			f:    results.Fault{Action: "pause", AtS: 4, EndS: 5},
			want: results.Fault{Action: "pause", AtS: 4, EndS: 5, Requests: 250, MaxLatencyMs: 1500, BaselineP99Ms: 10, RecoveryS: f64(2)},
		},
		{
			name: "a fault at the very end of a clean second: the next second decides",
			tl:   spike(steady(0, 8), 4, 0, 70),
			f:    results.Fault{Action: "kill", AtS: 3.997, EndS: 3.997},
			want: results.Fault{Action: "kill", AtS: 3.997, EndS: 3.997, Requests: 300, MaxLatencyMs: 140, BaselineP99Ms: 10, RecoveryS: f64(1.003)},
		},
		{
			name: "never recovered",
			tl: func() []results.Point {
				tl := steady(0, 6)
				for i := 3; i < 6; i++ {
					tl[i].Errors = 50
				}
				return tl
			}(),
			f:    results.Fault{Action: "kill", Instance: "balancer", AtS: 3, EndS: 3},
			want: results.Fault{Action: "kill", Instance: "balancer", AtS: 3, EndS: 3, Requests: 300, Errors: 150, MaxLatencyMs: 12, BaselineP99Ms: 10},
		},
		{
			name: "noisy baseline widens the band",
			tl: func() []results.Point {
				tl := steady(0, 8)
				tl[1].P99 = 30
				tl[5].P99 = 38 // ≤ 30 × 1.25 + 2
				return tl
			}(),
			f:    results.Fault{Action: "kill", AtS: 5, EndS: 5},
			want: results.Fault{Action: "kill", AtS: 5, EndS: 5, Requests: 100, MaxLatencyMs: 12, BaselineP99Ms: 30, RecoveryS: f64(0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f
			Cost(tt.tl, &got)
			if got.RecoveryS != nil {
				r := math.Round(*got.RecoveryS*1e9) / 1e9
				got.RecoveryS = &r
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Cost (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTimelineJoinsSteps(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []results.Step{
		{StartedAt: t0, Timeline: steady(0, 2)},
		{StartedAt: t0.Add(3 * time.Second), Timeline: steady(0, 2)},
	}
	var got []float64
	for _, p := range Timeline(steps) {
		got = append(got, p.T)
	}
	if diff := cmp.Diff([]float64{0, 1, 3, 4}, got); diff != "" {
		t.Errorf("Timeline T (-want +got):\n%s", diff)
	}
}

func TestDesired(t *testing.T) {
	tests := []struct {
		current     int
		utilization float64
		want        int
	}{
		{1, 1.2, 2},  // ceil(1 × 1.2 / 0.6)
		{2, 0.95, 4}, // ceil(2 × 0.95/0.6) = ceil(3.17)
		{2, 0.63, 2}, // within the 10% tolerance
		{4, 0.1, 1},  // ceil(4 × 0.1/0.6) = 1
		{3, 2.0, 4},  // clamped to max
	}
	for _, tt := range tests {
		if got := Desired(tt.current, tt.utilization, 0.6, 1, 4); got != tt.want {
			t.Errorf("Desired(%d, %v, 0.6, 1, 4) = %d, want %d", tt.current, tt.utilization, got, tt.want)
		}
	}
}

func TestStabilizerDelaysScaleDown(t *testing.T) {
	s := Stabilizer{Window: 10 * time.Second}
	t0 := time.Unix(0, 0)
	steps := []struct {
		after time.Duration
		want  int
		got   int
	}{{0, 3, 3}, {2 * time.Second, 1, 3}, {8 * time.Second, 1, 3}, {11 * time.Second, 1, 1}, {12 * time.Second, 4, 4}}
	for _, st := range steps {
		if got := s.Next(t0.Add(st.after), st.want); got != st.got {
			t.Errorf("Next(+%v, %d) = %d, want %d", st.after, st.want, got, st.got)
		}
	}
}

func TestSpan(t *testing.T) {
	tl := steady(0, 6)
	tl[2].Errors, tl[3].Max = 4, 90
	req, errs, maxMs := Span(tl, 2.5, 3.2)
	if req != 200 || errs != 4 || maxMs != 90 {
		t.Errorf("Span(2.5, 3.2) = %d, %d, %v; want 200, 4, 90 (seconds 2 and 3)", req, errs, maxMs)
	}
}
