package faults

import (
	"math"
	"time"
)

// Tolerance is the HPA's default: no change while utilization is within
// 10% of the target.
const Tolerance = 0.1

// Desired is the Kubernetes HorizontalPodAutoscaler rule: ceil(current ×
// utilization / target), clamped to [lo, hi], and current itself while
// utilization / target is within Tolerance of 1.
func Desired(current int, utilization, target float64, lo, hi int) int {
	if current < 1 || target <= 0 {
		return min(max(current, lo), hi)
	}
	ratio := utilization / target
	want := current
	if math.Abs(ratio-1) > Tolerance {
		want = int(math.Ceil(float64(current) * ratio))
	}
	return min(max(want, lo), hi)
}

// Stabilizer is the HPA's scale-down stabilization window: scaling up
// happens at once, scaling down only to the highest recommendation of the
// last Window, so a dip does not remove instances a spike still needs.
type Stabilizer struct {
	// Window is how long recommendations are remembered.
	Window time.Duration
	recs   []recommendation
}

type recommendation struct {
	at   time.Time
	want int
}

// Next records the recommendation want made at now and returns the count
// to scale to.
func (s *Stabilizer) Next(now time.Time, want int) int {
	kept := s.recs[:0]
	for _, r := range s.recs {
		if now.Sub(r.at) < s.Window {
			kept = append(kept, r)
		}
	}
	s.recs = append(kept, recommendation{now, want})
	out := want
	for _, r := range s.recs {
		out = max(out, r.want)
	}
	return out
}
