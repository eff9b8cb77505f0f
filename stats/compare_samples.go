package stats

import (
	"math"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
	gstat "gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/scalebench/scalebench/results"
)

// mwuMinUnits is the smallest number of units per side for which the
// Mann-Whitney U test is used. The U test's smallest two-sided p-value is
// 2/C(n1+n2, n1): 0.1 at 3 vs 3, 0.0079 at 5 vs 5, 0.0022 at 6 vs 6 and
// 0.00016 at 8 vs 8. A comparison table holds tens of tests and the
// correction divides alpha by their number (Holm: the smallest p must be
// below 0.05/24 = 0.0021 in a table of 24), so below 8 units the U test
// could never flag anything; the more powerful Welch t-test on the log
// values (benchstat's AssumeNormal) is used instead.
const mwuMinUnits = 8

// CompareSamples compares per-unit values (one per trial) of a metric.
// With at least mwuMinUnits (8) units on each side it uses the Mann-Whitney
// U test (golang.org/x/perf/benchmath) with a Hodges-Lehmann interval of
// the ratio; with 2 to 7 it uses Welch's t-test. Both work on the logs of the
// values when every value is positive (so the interval is of a ratio),
// otherwise on the values themselves. NaN and ±Inf values are dropped.
func CompareSamples(base, new []float64) Comparison {
	b, n := finite(base), finite(new)
	c := noTest(median(b), median(n), len(b), len(n), MethodTooFew)
	if len(b) < 2 || len(n) < 2 {
		if len(b) != len(base) || len(n) != len(new) {
			c.Method = MethodNotFinite
		}
		return c
	}
	if b[0] == b[len(b)-1] && n[0] == n[len(n)-1] && b[0] == n[0] {
		// Every value on both sides is the same (error rate 0 vs 0):
		// nothing changed and there is nothing to test, so it does not
		// count in a multiple-comparison family either (Enough = false).
		c.Method, c.RatioCI = MethodIdentical, results.Interval{c.Ratio, c.Ratio}
		return c
	}
	onLog := allPositive(b, n)
	if len(b) >= mwuMinUnits && len(n) >= mwuMinUnits {
		return mannWhitney(c, b, n, onLog)
	}
	return welch(c, b, n, onLog)
}

// mannWhitney fills c with the U test's p-value and the Hodges-Lehmann
// interval of the shift (of the logs when onLog).
func mannWhitney(c Comparison, b, n []float64, onLog bool) Comparison {
	c.Method = MethodMannWhitney
	th := benchmath.DefaultThresholds
	r := benchmath.AssumeNothing.Compare(
		benchmath.NewSample(append([]float64(nil), b...), &th),
		benchmath.NewSample(append([]float64(nil), n...), &th))
	c.P = clampP(r.P)
	c.Enough = 2/binomial(len(b)+len(n), len(b)) <= Alpha
	if onLog {
		b, n = logs(b), logs(n)
	}
	lo, hi := hodgesLehmannCI(b, n)
	c.RatioCI = shiftToRatio(lo, hi, c.Base, onLog)
	return c
}

// hodgesLehmannCI is the distribution-free 95% interval of the shift
// between n and b: order statistics of the pairwise differences chosen
// from the exact null distribution of U. When the samples are too small
// for 95% it is the whole range of the differences.
func hodgesLehmannCI(b, n []float64) (lo, hi float64) {
	d := make([]float64, 0, len(b)*len(n))
	for _, x := range b {
		for _, y := range n {
			d = append(d, y-x)
		}
	}
	d = finite(d)
	mn := len(d)
	u := stats.UDist{N1: len(b), N2: len(n)}
	k := 0
	for k < mn/2 && u.CDF(float64(k)) <= (1-0.95)/2 {
		k++
	}
	if k == 0 {
		return d[0], d[mn-1]
	}
	return d[k-1], d[mn-k]
}

// welch fills c with Welch's t-test and the t interval of the difference
// of means (of the logs when onLog).
func welch(c Comparison, b, n []float64, onLog bool) Comparison {
	c.Method = MethodWelch
	if onLog {
		c.Method = MethodWelchLog
		b, n = logs(b), logs(n)
	}
	m1, v1 := gstat.MeanVariance(b, nil)
	m2, v2 := gstat.MeanVariance(n, nil)
	s1, s2 := v1/float64(len(b)), v2/float64(len(n))
	se := math.Sqrt(s1 + s2)
	if se == 0 || math.IsNaN(se) {
		c.Method = MethodZeroVariance
		return c
	}
	dof := (s1 + s2) * (s1 + s2) / (s1*s1/float64(len(b)-1) + s2*s2/float64(len(n)-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: dof}
	diff := m2 - m1
	c.P = clampP(2 * t.Survival(math.Abs(diff)/se))
	c.Enough = true
	q := t.Quantile(0.975)
	c.RatioCI = shiftToRatio(diff-q*se, diff+q*se, c.Base, onLog)
	return c
}

// shiftToRatio turns an interval of a shift into one of the ratio: exp of
// a log shift, or 1 + shift/base for a shift of the values themselves.
func shiftToRatio(lo, hi, base float64, onLog bool) results.Interval {
	if onLog {
		return results.Interval{math.Exp(lo), math.Exp(hi)}
	}
	if base > 0 {
		// The figures compared are never negative, nor is their ratio.
		return results.Interval{math.Max(0, 1+lo/base), math.Max(0, 1+hi/base)}
	}
	return unknownCI
}

// binomial is C(n, k) as a float.
func binomial(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
	}
	return r
}

// clampP keeps a p-value in [0, 1] (NaN becomes 1: no evidence).
func clampP(p float64) float64 {
	switch {
	case math.IsNaN(p) || p > 1:
		return 1
	case p < 0:
		return 0
	}
	return p
}
