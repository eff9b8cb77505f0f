package stats

import (
	"math"
	"sort"

	"github.com/scalebench/scalebench/results"
)

// Comparison is the outcome of comparing a metric between a base and a new sample.
type Comparison struct {
	// Base and New are the centres: the median of the trials, or the
	// point estimate.
	Base, New float64
	// Ratio is New / Base (+Inf when only Base is 0, 1 when both are 0).
	Ratio float64
	// RatioCI is the 95% interval of the ratio (NaN bounds when unknown).
	RatioCI results.Interval
	// P is the two-sided p-value, before multiple-comparison correction.
	P float64
	// Method names the test, e.g. "mann-whitney-u", "welch-t-log",
	// "z-batch-means-log"; degenerate cases say why no test was run.
	Method string
	// N1 and N2 are the units (trials or batches) on each side.
	N1, N2 int
	// Enough is false when the samples are too small (or too degenerate:
	// identical, both zero) to ever reach significance at the 5% level;
	// such comparisons stay out of a multiple-comparison family.
	Enough bool
}

// Alpha is the significance level every comparison is judged at.
const Alpha = 0.05

// z95 is the two-sided 95% quantile of the standard normal distribution.
const z95 = 1.959963984540054

// Method names shared by the comparison functions.
const (
	MethodMannWhitney  = "mann-whitney-u"
	MethodWelchLog     = "welch-t-log"
	MethodWelch        = "welch-t"
	MethodZLog         = "z-batch-means-log"
	MethodZ            = "z-batch-means"
	MethodTooFew       = "too-few-units"
	MethodNoInterval   = "no-interval"
	MethodAllZero      = "both-zero"
	MethodIdentical    = "identical"
	MethodNotFinite    = "not-finite"
	MethodZeroVariance = "zero-variance"
)

// unknownCI is the interval reported when none can be computed.
var unknownCI = results.Interval{math.NaN(), math.NaN()}

// noTest is a Comparison for which no test could be run: P = 1, not Enough.
func noTest(base, new float64, n1, n2 int, method string) Comparison {
	return Comparison{
		Base: base, New: new, Ratio: ratio(base, new), RatioCI: unknownCI,
		P: 1, Method: method, N1: n1, N2: n2,
	}
}

// ratio is new/base with 0/0 = 1 and x/0 = +Inf (x > 0).
func ratio(base, new float64) float64 {
	switch {
	case math.IsNaN(base) || math.IsNaN(new):
		return math.NaN()
	case base == 0 && new == 0:
		return 1
	case base == 0:
		return math.Inf(sign(new))
	}
	return new / base
}

func sign(x float64) int {
	if x < 0 {
		return -1
	}
	return 1
}

// finite returns the finite values of xs, sorted, in a new slice.
func finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	sort.Float64s(out)
	return out
}

// median of sorted xs (NaN when empty).
func median(sorted []float64) float64 {
	n := len(sorted)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// allPositive reports whether every value is > 0 (so logs are defined).
func allPositive(xs ...[]float64) bool {
	for _, s := range xs {
		for _, x := range s {
			if x <= 0 {
				return false
			}
		}
	}
	return true
}

func logs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

// Untested is the Comparison of two figures that no test can be run on
// (neither trials nor intervals): P = 1, not Enough, Method says why.
func Untested(base, new float64, method string) Comparison {
	return noTest(base, new, 1, 1, method)
}
