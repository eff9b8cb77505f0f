package stats

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAdjust(t *testing.T) {
	p := []float64{0.01, 0.04, 0.03, 0.005}
	approx := cmpopts.EquateApprox(0, 1e-12)
	if diff := cmp.Diff(Holm(p), []float64{0.03, 0.06, 0.06, 0.02}, approx); diff != "" {
		t.Errorf("Holm(%v) (-got +want):\n%s", p, diff)
	}
	if diff := cmp.Diff(BenjaminiHochberg(p), []float64{0.02, 0.04, 0.04, 0.02}, approx); diff != "" {
		t.Errorf("BenjaminiHochberg(%v) (-got +want):\n%s", p, diff)
	}
	withNaN := []float64{math.NaN(), 0.01}
	if diff := cmp.Diff(Holm(withNaN), []float64{1, 0.02}); diff != "" {
		t.Errorf("Holm(%v) (-got +want):\n%s", withNaN, diff)
	}
	if got := Holm(nil); len(got) != 0 {
		t.Errorf("Holm(nil) = %v, want empty", got)
	}
	if diff := cmp.Diff(BenjaminiHochberg([]float64{0.9, 2, -1}), []float64{1, 1, 0}); diff != "" {
		t.Errorf("BenjaminiHochberg(out of range) (-got +want):\n%s", diff)
	}
}
