package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/scalebench/scalebench/results"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestCompareSamplesKnownAnswers(t *testing.T) {
	tests := []struct {
		name       string
		base, new  []float64
		wantMethod string
		wantP      float64
		tolP       float64
		wantEnough bool
		wantCI     results.Interval // NaN: not checked
	}{
		// Exact U distribution: complete separation of 8 vs 8 has p = 2/C(16,8).
		{"mwu separated", []float64{1, 2, 3, 4, 5, 6, 7, 8}, []float64{9, 10, 11, 12, 13, 14, 15, 16}, MethodMannWhitney, 2.0 / 12870, 1e-12, true, unknownCI},
		{"mwu no shift", []float64{1, 3, 5, 7, 9, 11, 13, 15}, []float64{2, 4, 6, 8, 10, 12, 14, 16}, MethodMannWhitney, 0.7209, 1e-3, true, unknownCI},
		// Welch on raw values (a zero forbids logs): t = 3/sqrt(2/3), 4 dof.
		{"welch raw", []float64{0, 1, 2}, []float64{3, 4, 5}, MethodWelch, 0.0213116, 1e-5, true, unknownCI},
		// No shift at all: p = 1, interval 1 ± t(0.975, 4)·sqrt(2/3) / median.
		{"welch no shift", []float64{0, 1, 2}, []float64{2, 1, 0}, MethodWelch, 1, 1e-12, true,
			results.Interval{0, 1 + 2.7764451*math.Sqrt(2.0/3)}}, // lower bound clamped: a ratio of figures ≥ 0
		{"welch no shift, narrow", []float64{10, 11, 12}, []float64{12, 11, 10}, MethodWelchLog, 1, 1e-12, true, unknownCI},
		{"zeros both sides", []float64{0, 0, 0}, []float64{0, 0, 0}, MethodIdentical, 1, 0, false, results.Interval{1, 1}},
		{"one trial", []float64{1}, []float64{1, 2}, MethodTooFew, 1, 0, false, unknownCI},
		{"empty", nil, nil, MethodTooFew, 1, 0, false, unknownCI},
		{"NaN", []float64{math.NaN(), math.NaN()}, []float64{1, 2}, MethodNotFinite, 1, 0, false, unknownCI},
		{"zero variance, different", []float64{0, 0}, []float64{1, 1}, MethodZeroVariance, 1, 0, false, unknownCI},
		// 4 vs 4 could never reach p < 0.05 two-sided with U; Welch is used.
		{"few trials ratio", []float64{100, 101, 99, 100}, []float64{125, 126, 124, 125}, MethodWelchLog, 0, 1e-4, true, unknownCI},
	}
	for _, tt := range tests {
		got := CompareSamples(tt.base, tt.new)
		if got.Method != tt.wantMethod || !near(got.P, tt.wantP, tt.tolP) || got.Enough != tt.wantEnough {
			t.Errorf("%s: CompareSamples = %+v, want method %s p %v enough %v", tt.name, got, tt.wantMethod, tt.wantP, tt.wantEnough)
		}
		if !math.IsNaN(tt.wantCI[0]) && (!near(got.RatioCI[0], tt.wantCI[0], 1e-6) || !near(got.RatioCI[1], tt.wantCI[1], 1e-6)) {
			t.Errorf("%s: RatioCI = %v, want %v", tt.name, got.RatioCI, tt.wantCI)
		}
	}
}

func TestCompareSamplesRatio(t *testing.T) {
	base := []float64{100, 101, 102, 103, 104, 105, 106, 107}
	new := make([]float64, len(base))
	for i, x := range base {
		new[i] = x * 1.25
	}
	got := CompareSamples(base, new)
	if got.Method != MethodMannWhitney || !near(got.Ratio, 1.25, 1e-12) || !got.RatioCI.Contains(1.25) || got.RatioCI.Contains(1) {
		t.Errorf("CompareSamples(x, 1.25x) = %+v, want ratio 1.25 inside a CI excluding 1", got)
	}
	if got.Base != 103.5 || got.New != 129.375 {
		t.Errorf("centres = %v, %v, want medians 103.5, 129.375", got.Base, got.New)
	}
}

// TestCompareSamplesCalibration checks, on seeded synthetic trials, that
// the tests hold their level (A/A) and detect a 25% shift with realistic
// trial-to-trial noise (3%).
func TestCompareSamplesCalibration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	draw := func(n int, scale float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = scale * math.Exp(0.03*rng.NormFloat64())
		}
		return xs
	}
	for _, n := range []int{3, 5, 8, 10} {
		const pairs = 2000
		falseAlarms, detected := 0, 0
		for range pairs {
			if CompareSamples(draw(n, 1), draw(n, 1)).P < Alpha {
				falseAlarms++
			}
			if c := CompareSamples(draw(n, 1), draw(n, 1.25)); c.P < Alpha && c.RatioCI.Contains(1.25) {
				detected++
			}
		}
		if rate := float64(falseAlarms) / pairs; rate > 0.07 {
			t.Errorf("n=%d: A/A false-alarm rate %.3f, want ≤ 0.07", n, rate)
		}
		if rate := float64(detected) / pairs; rate < 0.9 {
			t.Errorf("n=%d: detection of +25%% with its ratio covered %.3f, want ≥ 0.9", n, rate)
		}
	}
}

func TestCompareEstimates(t *testing.T) {
	// Both standard errors 0.1 on the log scale: a log ratio of
	// 1.96·sqrt(2)·0.1 sits exactly at p = 0.05.
	ci := func(x, se float64) results.Interval {
		return results.Interval{x * math.Exp(-z95*se), x * math.Exp(z95*se)}
	}
	newX := 100 * math.Exp(z95*math.Sqrt2*0.1)
	tests := []struct {
		name       string
		base       float64
		baseCI     results.Interval
		new        float64
		newCI      results.Interval
		wantMethod string
		wantP      float64
		tol        float64
		wantEnough bool
	}{
		{"at alpha", 100, ci(100, 0.1), newX, ci(newX, 0.1), MethodZLog, 0.05, 1e-9, true},
		{"unchanged", 100, ci(100, 0.1), 100, ci(100, 0.1), MethodZLog, 1, 1e-12, true},
		{"error rate 0 vs 0", 0, results.Interval{0, 0.001}, 0, results.Interval{0, 0.001}, MethodAllZero, 1, 0, false},
		// Linear scale: se = hypot(0.002, 0.01)/3.92, z = 0.01/se.
		{"error rate 0 vs 1%", 0, results.Interval{0, 0.002}, 0.01, results.Interval{0.005, 0.015}, MethodZ,
			math.Erfc(0.01 / (math.Hypot(0.002, 0.01) / (2 * z95)) / math.Sqrt2), 1e-12, true},
		{"degenerate equal", 5, results.Interval{5, 5}, 5, results.Interval{5, 5}, MethodIdentical, 1, 0, false},
		{"degenerate different", 5, results.Interval{5, 5}, 6, results.Interval{6, 6}, MethodZeroVariance, 1, 0, false},
		{"NaN", math.NaN(), results.Interval{0, 1}, 1, results.Interval{0, 2}, MethodNotFinite, 1, 0, false},
		{"Inf bound", 1, results.Interval{0, math.Inf(1)}, 1, results.Interval{0, 2}, MethodNotFinite, 1, 0, false},
	}
	for _, tt := range tests {
		got := CompareEstimates(tt.base, tt.baseCI, tt.new, tt.newCI)
		if got.Method != tt.wantMethod || !near(got.P, tt.wantP, tt.tol) || got.Enough != tt.wantEnough {
			t.Errorf("%s: CompareEstimates = %+v, want method %s p %v enough %v", tt.name, got, tt.wantMethod, tt.wantP, tt.wantEnough)
		}
	}
	got := CompareEstimates(100, ci(100, 0.1), newX, ci(newX, 0.1))
	if !near(got.RatioCI[0], 1, 1e-9) || !near(got.Ratio, newX/100, 1e-12) {
		t.Errorf("RatioCI at p = 0.05 = %v (ratio %v), want lower bound 1", got.RatioCI, got.Ratio)
	}
	if got := CompareEstimates(0, results.Interval{0, 0.002}, 0.01, results.Interval{0.005, 0.015}); !math.IsInf(got.Ratio, 1) || !math.IsNaN(got.RatioCI[0]) {
		t.Errorf("0 → 1%%: ratio %v CI %v, want +Inf and an unknown interval", got.Ratio, got.RatioCI)
	}
}
