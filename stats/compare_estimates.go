package stats

import (
	"math"

	"github.com/scalebench/scalebench/results"
)

// CompareEstimates compares two point estimates given with their 95%
// intervals (batch-means standard errors from one trial on each side): a
// z-test on the log ratio with each standard error taken from its
// interval's width on the log scale. When an estimate or a bound is not
// positive (an error rate of 0), the test is on the difference instead.
// N1 and N2 are 1: one estimate on each side.
func CompareEstimates(base float64, baseCI results.Interval, new float64, newCI results.Interval) Comparison {
	c := noTest(base, new, 1, 1, MethodNotFinite)
	if !allFinite(base, new, baseCI.Lo(), baseCI.Hi(), newCI.Lo(), newCI.Hi()) {
		return c
	}
	if base == 0 && new == 0 {
		// Nothing changed and no test can say more (Enough = false keeps
		// it out of the multiple-comparison family).
		c.Method, c.RatioCI = MethodAllZero, results.Interval{1, 1}
		return c
	}
	onLog := base > 0 && new > 0 && baseCI.Lo() > 0 && newCI.Lo() > 0
	x1, x2, lo1, hi1, lo2, hi2 := base, new, baseCI.Lo(), baseCI.Hi(), newCI.Lo(), newCI.Hi()
	c.Method = MethodZ
	if onLog {
		c.Method = MethodZLog
		x1, x2, lo1, hi1, lo2, hi2 = math.Log(x1), math.Log(x2), math.Log(lo1), math.Log(hi1), math.Log(lo2), math.Log(hi2)
	}
	se := math.Hypot(math.Abs(hi1-lo1)/(2*z95), math.Abs(hi2-lo2)/(2*z95))
	if se == 0 {
		// Degenerate intervals carry no uncertainty to test against.
		c.Method = MethodZeroVariance
		if base == new {
			c.Method, c.RatioCI = MethodIdentical, results.Interval{1, 1}
		}
		return c
	}
	diff := x2 - x1
	c.P = clampP(math.Erfc(math.Abs(diff/se) / math.Sqrt2))
	c.Enough = true
	c.RatioCI = shiftToRatio(diff-z95*se, diff+z95*se, base, onLog)
	return c
}

func allFinite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
