package capacity

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// curve samples a known USL at sizes 1..n, each with a ±2.5% search interval.
func curve(u USL, n int) []Point {
	var pts []Point
	for i := 1; i <= n; i++ {
		x := u.X(float64(i))
		pts = append(pts, Point{N: float64(i), Rate: x, Lo: x / 1.025, Hi: x * 1.025})
	}
	return pts
}

func TestFitUSLRecoversKnownCurves(t *testing.T) {
	tests := []struct {
		name      string
		u         USL
		sizes     int
		diagnosis string
	}{
		{"linear", USL{Sigma: 0, Kappa: 0, Lambda: 100}, 4, NearLinear},
		{"contention", USL{Sigma: 0.3, Kappa: 0, Lambda: 100}, 4, ContentionBound},
		{"coherency", USL{Sigma: 0.05, Kappa: 0.08, Lambda: 100}, 6, CoherencyBound},
	}
	for _, tt := range tests {
		f, err := FitUSL(curve(tt.u, tt.sizes))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if math.Abs(f.Sigma-tt.u.Sigma) > 0.01 || math.Abs(f.Kappa-tt.u.Kappa) > 0.005 || math.Abs(f.Lambda-tt.u.Lambda) > 1 {
			t.Errorf("%s: fit σ=%.4f κ=%.4f λ=%.2f, want %+v", tt.name, f.Sigma, f.Kappa, f.Lambda, tt.u)
		}
		if f.R2 < 0.999 {
			t.Errorf("%s: R² = %v on an exact curve", tt.name, f.R2)
		}
		if !(f.SigmaCI[0] <= tt.u.Sigma+1e-9 && tt.u.Sigma <= f.SigmaCI[1]+1e-9) || !(f.LambdaCI[0] <= tt.u.Lambda && tt.u.Lambda <= f.LambdaCI[1]) {
			t.Errorf("%s: intervals σ %v λ %v miss the truth %+v", tt.name, f.SigmaCI, f.LambdaCI, tt.u)
		}
		if got := f.Diagnose(); got != tt.diagnosis {
			t.Errorf("%s: diagnosis %q, want %q", tt.name, got, tt.diagnosis)
		}
	}
}

func TestFitUSLPeak(t *testing.T) {
	u := USL{Sigma: 0.05, Kappa: 0.02, Lambda: 100}
	f, err := FitUSL(curve(u, 6))
	if err != nil {
		t.Fatal(err)
	}
	want := math.Sqrt(0.95 / 0.02) // 6.89
	if math.Abs(f.Peak()-want) > 0.3 {
		t.Errorf("peak %v, want %v", f.Peak(), want)
	}
	if ci := f.PeakCI(); !(ci[0] <= want && want <= ci[1]) {
		t.Errorf("peak interval %v misses %v", ci, want)
	}
	if !math.IsInf((USL{Lambda: 1}).Peak(), 1) {
		t.Error("κ = 0 must have no peak")
	}
}

func TestFitUSLDeterministic(t *testing.T) {
	pts := curve(USL{Sigma: 0.1, Kappa: 0.01, Lambda: 90}, 4)
	a, _ := FitUSL(pts)
	b, _ := FitUSL(pts)
	if !reflect.DeepEqual(a, b) {
		t.Error("two fits of the same points differ")
	}
}

func TestFitUSLTooFew(t *testing.T) {
	if _, err := FitUSL(curve(USL{Lambda: 10}, 2)); err != ErrTooFewSizes {
		t.Errorf("err = %v, want ErrTooFewSizes", err)
	}
}

func TestSizeAgreesWithMeasuredSizes(t *testing.T) {
	pts := curve(USL{Sigma: 0.1, Kappa: 0.01, Lambda: 100}, 4) // 100, 180.2, 241.9, 289.9
	f, err := FitUSL(pts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		rate float64
		want int
	}{{90, 1}, {150, 2}, {200, 3}, {260, 4}} {
		s := f.Size(tt.rate)
		if s.Instances != tt.want || s.Measured != tt.want || s.Extrapolated || len(s.Warnings) > 0 {
			t.Errorf("Size(%v) = %+v, want %d instances, measured %d, no warnings", tt.rate, s, tt.want, tt.want)
		}
		if s.Lo > s.Instances || (s.Hi != 0 && s.Hi < s.Instances) {
			t.Errorf("Size(%v): interval [%d, %d] excludes %d", tt.rate, s.Lo, s.Hi, s.Instances)
		}
	}
}

func TestSizeExtrapolationAndUnreachable(t *testing.T) {
	f, err := FitUSL(curve(USL{Sigma: 0.05, Kappa: 0.001, Lambda: 100}, 4))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Size(500)
	if !s.Extrapolated || s.Beyond <= 0 || s.Instances <= 4 || !strings.Contains(strings.Join(s.Warnings, " "), "extrapolation") {
		t.Errorf("Size(500) = %+v, want an extrapolation beyond 4", s)
	}
	s = f.Size(1e6)
	if s.Instances != 0 || !strings.Contains(strings.Join(s.Warnings, " "), "peaks") {
		t.Errorf("Size(1e6) = %+v, want unreachable", s)
	}
}

func TestCheckCPU(t *testing.T) {
	fit := Check("rep@4", CPUAsk{Instances: 4, Budget: 0.2, Balanced: true}, 1)
	if fit.Oversubscribed || math.Abs(fit.Requested-0.9) > 1e-9 {
		t.Errorf("4 × 0.2 + balancer on 1 CPU: %+v, want it to fit (0.9)", fit)
	}
	fit = Check("rep@3", CPUAsk{Instances: 3, Budget: 0.5, Balanced: true}, 1)
	if !fit.Oversubscribed || !strings.Contains(fit.Warning, "1.60 CPUs") {
		t.Errorf("3 × 0.5 on 1 CPU: %+v, want oversubscribed, 1.60 CPUs", fit)
	}
	if Check("x", CPUAsk{Instances: 64}, 0).Oversubscribed {
		t.Error("unknown CPUs must never oversubscribe")
	}
}

// Capacities are the low end of their search intervals; the reported
// intervals must still contain the estimates.
func TestFitUSLIntervalsCoverEstimates(t *testing.T) {
	var pts []Point
	for i, x := range []float64{43, 88, 133} {
		pts = append(pts, Point{N: float64(i + 1), Rate: x, Lo: x, Hi: x * 1.08})
	}
	f, err := FitUSL(pts)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		iv [2]float64
		x  float64
	}{"sigma": {f.SigmaCI, f.Sigma}, "kappa": {f.KappaCI, f.Kappa}, "lambda": {f.LambdaCI, f.Lambda}, "r2": {f.R2CI, f.R2}} {
		if c.x < c.iv[0] || c.x > c.iv[1] {
			t.Errorf("%s = %v outside its interval %v", name, c.x, c.iv)
		}
	}
	if lo, hi := f.Band(2); f.X(2) < lo || f.X(2) > hi {
		t.Errorf("band at 2 [%v, %v] excludes the curve %v", lo, hi, f.X(2))
	}
}

// Garbage in (a busy machine): the fit and the sweep stay finite, and the
// answer says the fit is poor.
func TestScalingOfNoisyCapacitiesIsFinite(t *testing.T) {
	// Capacities measured on a machine with load 15 on 2 cores.
	run := &results.Run{SLO: &results.SLO{P99Ms: 100}}
	caps := map[string][]float64{"x": {60, 28, 20, 25}, "y": {38, 35, 95, 85}}
	for _, name := range []string{"x", "y"} {
		for i, c := range caps[name] {
			run.Targets = append(run.Targets, results.Target{Name: fmt.Sprintf("%s@%d", name, i+1), Status: results.StatusOK, Sweep: name, SweepSize: i + 1,
				CapacityRate: c, CapacityInterval: &results.Interval{c, c * 1.1}})
		}
	}
	sc := Scaling(run, 250)
	if _, err := json.Marshal(sc); err != nil {
		t.Fatalf("json: %v (%+v)", err, sc)
	}
	for _, s := range sc {
		if s.Target == "y" && (s.Sizing == nil || !strings.Contains(s.Sizing.Answer, "poor fit")) {
			t.Errorf("sizing %+v, want the answer to say the fit is poor", s.Sizing)
		}
	}
	if p := (USL{Sigma: 1, Kappa: 0.5, Lambda: 10}).Peak(); p != 1 {
		t.Errorf("peak with σ = 1: %v, want 1", p)
	}
}
