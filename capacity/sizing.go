package capacity

import (
	"fmt"
	"math"
)

// Diagnoses of a fitted sweep.
const (
	NearLinear      = "near-linear"      // ≥ 90% of linear scaling at the largest size measured
	ContentionBound = "contention-bound" // a serial share (σ) limits scaling: throughput levels off
	CoherencyBound  = "coherency-bound"  // crosstalk (κ) dominates: throughput peaks, then falls
)

// nearLinearEfficiency is the share of linear scaling (λN) at the largest
// measured size above which a sweep is called near-linear.
const nearLinearEfficiency = 0.9

// maxSizing bounds the instance count Size searches when κ is 0.
const maxSizing = 10000

// Diagnose names what limits scaling: near-linear when the model keeps
// ≥ 90% of linear throughput at the largest measured size; otherwise
// coherency-bound when the data show the fall — κ's interval excludes 0
// and the peak N* lies inside the measured sizes — else contention-bound
// (throughput levels off; a peak beyond the sizes measured is the model's
// extrapolation, not a finding).
func (f Fit) Diagnose() string {
	n := f.Points[len(f.Points)-1].N
	if f.X(n)/(f.Lambda*n) >= nearLinearEfficiency {
		return NearLinear
	}
	if f.KappaCI[0] > 0 && f.Peak() < n {
		return CoherencyBound
	}
	return ContentionBound
}

// Sizing is the answer to "how many instances for this rate".
type Sizing struct {
	// TargetRate is the rate asked for (req/s).
	TargetRate float64
	// Instances is the smallest size the model says holds TargetRate (0:
	// no size does: the peak is below it).
	Instances int
	// Lo and Hi bound Instances over the bootstrap (Hi 0: in some
	// replicates no size reaches the rate).
	Lo, Hi int
	// Measured is the smallest measured size whose capacity reached the
	// rate (0: none did).
	Measured int
	// Extrapolated is true when Instances lies outside the measured sizes;
	// Beyond is by how many instances (negative: below the smallest).
	Extrapolated bool
	Beyond       int
	// Warnings explain extrapolation and disagreement with the measurements.
	Warnings []string
}

// Size finds the instance count that holds rate according to the fit, its
// bootstrap interval, and the measured answer beside it.
func (f Fit) Size(rate float64) Sizing {
	s := Sizing{TargetRate: rate, Instances: needed(f.USL, rate)}
	ns := make([]float64, len(f.Replicates))
	for i, u := range f.Replicates {
		ns[i] = math.Inf(1)
		if n := needed(u, rate); n > 0 {
			ns[i] = float64(n)
		}
	}
	iv := interval(ns)
	s.Lo = int(math.Floor(iv[0]))
	if !math.IsInf(iv[1], 1) {
		s.Hi = int(math.Ceil(iv[1]))
	}
	if math.IsInf(iv[0], 1) {
		s.Lo = 0
	}
	if n := s.Instances; n > 0 { // the interval covers the estimate (see cover)
		s.Lo = min(max(s.Lo, 1), n)
		if s.Hi > 0 {
			s.Hi = max(s.Hi, n)
		}
	}
	for _, p := range f.Points {
		if p.Rate >= rate {
			s.Measured = int(p.N)
			break
		}
	}
	lo, hi := int(f.Points[0].N), int(f.Points[len(f.Points)-1].N)
	switch n := s.Instances; {
	case n == 0:
		s.Warnings = append(s.Warnings, fmt.Sprintf("no number of instances reaches %s req/s: the model peaks at %s req/s with %.1f instances", fmtRate(rate), fmtRate(f.X(f.Peak())), f.Peak()))
	case n > hi:
		s.Extrapolated, s.Beyond = true, n-hi
		s.Warnings = append(s.Warnings, fmt.Sprintf("extrapolation: %d instances is %d beyond the largest size measured (%d, %.0f%% further); measure it before relying on it", n, n-hi, hi, 100*float64(n-hi)/float64(hi)))
	case n < lo:
		s.Extrapolated, s.Beyond = true, n-lo
		s.Warnings = append(s.Warnings, fmt.Sprintf("extrapolation: %d instances is below the smallest size measured (%d)", n, lo))
	case s.Measured > 0 && s.Measured != n:
		s.Warnings = append(s.Warnings, fmt.Sprintf("the model says %d instances but the measurements say %d (the smallest measured size that held %s req/s)", n, s.Measured, fmtRate(rate)))
	}
	return s
}

// needed is the smallest n ≥ 1 with u.X(n) ≥ rate, or 0 when none up to
// the peak does.
func needed(u USL, rate float64) int {
	top := u.Peak()
	if math.IsInf(top, 1) || top > maxSizing {
		top = maxSizing
	}
	for n := 1; float64(n) <= math.Ceil(top); n++ {
		if u.X(float64(n)) >= rate {
			return n
		}
	}
	return 0
}
