package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

func closeTo(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestSectioningKnownAnswer(t *testing.T) {
	// S² = ((9-10)² + (11-10)²)/1 = 2; half = t(1)·√(2/2) = 12.706.
	iv, ok := Sectioning(10, []float64{9, 11})
	if !ok || !closeTo(iv[0], 10-12.7062, 1e-3) || !closeTo(iv[1], 10+12.7062, 1e-3) {
		t.Errorf("Sectioning(10, [9 11]) = %v, %v; want [-2.706, 22.706], true", iv, ok)
	}
	if _, ok := Sectioning(10, []float64{9}); ok {
		t.Errorf("Sectioning with one batch: ok = true, want false")
	}
}

func TestWilson(t *testing.T) {
	iv := Wilson(0, 1000)
	if !closeTo(iv[0], 0, 1e-12) || !closeTo(iv[1], 0.00383, 1e-4) {
		t.Errorf("Wilson(0, 1000) = %v, want [0, 0.00383]", iv)
	}
	if iv := Wilson(0, 0); iv != (results.Interval{0, 1}) {
		t.Errorf("Wilson(0, 0) = %v, want [0, 1]", iv)
	}
}

func TestBatches(t *testing.T) {
	secs := func(trial int, reqs ...uint64) []results.Section {
		var out []results.Section
		for _, r := range reqs {
			out = append(out, results.Section{Trial: trial, Requests: r})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		secs []results.Section
		min  uint64
		want [][]int
	}{
		{"one per section", secs(0, 10, 10, 10), 5, [][]int{{0}, {1}, {2}}},
		{"grouped to the minimum, remainder joins the last", secs(0, 10, 10, 10, 10, 10), 20, [][]int{{0, 1}, {2, 3, 4}}},
		{"too short for a batch", secs(0, 10, 5), 20, nil},
		{"a short step is one batch", secs(0, 10, 15), 20, [][]int{{0, 1}}},
		{"never across trials", append(secs(1, 10, 10), secs(2, 10, 10)...), 15, [][]int{{0, 1}, {2, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Batches(tc.secs, tc.min)); diff != "" {
				t.Errorf("Batches (-want +got):\n%s", diff)
			}
		})
	}
}

// iidSections is n seconds of perSec exponential latencies (mean 1 ms),
// seeded: a known distribution whose p50 is ln 2 ms and p99 ln 100 ms.
func iidSections(seed uint64, n, perSec int) ([]results.Section, *hdrhistogram.Histogram) {
	rnd := rand.New(rand.NewPCG(seed, 1))
	all := hdrhistogram.New(1, 3_600_000_000, 3)
	var out []results.Section
	for i := 0; i < n; i++ {
		h := hdrhistogram.New(1, 3_600_000_000, 2)
		for j := 0; j < perSec; j++ {
			us := int64(rnd.ExpFloat64() * 1000)
			_ = h.RecordValue(us)
			_ = all.RecordValue(us)
		}
		out = append(out, results.Section{StartS: float64(i), Seconds: 1, Requests: uint64(perSec), Successes: uint64(perSec), Latency: h})
	}
	return out, all
}

func TestQuantileCIContainsTruth(t *testing.T) {
	secs, all := iidSections(7, 20, 500)
	for _, q := range []struct{ q, truth float64 }{{50, math.Ln2}, {99, math.Log(100)}} {
		whole := float64(all.ValueAtQuantile(q.q)) / 1000
		iv, ok := QuantileCI(secs, q.q, whole)
		if !ok || !iv.Contains(q.truth) || iv[1]-iv[0] > q.truth {
			t.Errorf("QuantileCI(p%g) = %v, %v; want an interval around %.3f narrower than it", q.q, iv, ok, q.truth)
		}
	}
	short, all := iidSections(7, 3, 100)
	if iv, ok := QuantileCI(short, 99, float64(all.ValueAtQuantile(99))/1000); ok {
		t.Errorf("QuantileCI(p99) over 300 requests = %v, ok; want not enough data", iv)
	}
}

func TestFiguresFlagsWhatIsTooShort(t *testing.T) {
	secs, all := iidSections(3, 4, 100)
	st := results.Step{Requests: 400, DurationS: 4, ElapsedS: 4, Throughput: 100, Sections: secs,
		Latency: results.LatencyOf(all, nil)}
	Figures(&st)
	if want := []string{"p99", "p999", "cpu_per_request"}; !slices.Equal(st.CINotEnoughData, want[:2]) {
		t.Errorf("CINotEnoughData = %v, want %v", st.CINotEnoughData, want[:2])
	}
	if st.LatencyCI == nil || !st.LatencyCI.P50.Contains(st.Latency.P50) || st.LatencyCI.P99 != (results.Interval{st.Latency.Min, st.Latency.Max}) {
		t.Errorf("LatencyCI = %+v; want p50 around %v and p99 the observed range", st.LatencyCI, st.Latency.P50)
	}
	if st.ThroughputCI == nil || !st.ThroughputCI.Contains(100) {
		t.Errorf("ThroughputCI = %v, want it to hold 100", st.ThroughputCI)
	}
	if st.ErrorRateCI == nil || st.ErrorRateCI[0] != 0 || st.ErrorRateCI[1] <= 0 {
		t.Errorf("ErrorRateCI = %v, want [0, >0] for no errors", st.ErrorRateCI)
	}
}

func TestPoolTrials(t *testing.T) {
	mk := func(seed uint64) results.Step {
		secs, all := iidSections(seed, 5, 200)
		enc, _ := results.EncodeHistogram(all)
		st := results.Step{Index: 0, Requests: 1000, Errors: 10, ErrorRate: 0.01, DurationS: 5, ElapsedS: 5, Throughput: 198,
			Valid: true, Sections: secs, Latency: results.LatencyOf(all, nil), Histograms: map[string]string{"latency": enc}}
		Figures(&st)
		return st
	}
	a, b, c := mk(1), mk(2), mk(3)
	c.Valid = false
	p := Pool([]results.Step{a, b, c})
	if p.Requests != 3000 || p.Errors != 30 || p.ErrorRate != 0.01 || len(p.Trials) != 3 || p.Valid {
		t.Errorf("Pool: requests %d errors %d rate %v trials %d valid %v; want 3000 30 0.01 3 false",
			p.Requests, p.Errors, p.ErrorRate, len(p.Trials), p.Valid)
	}
	if !closeTo(p.Latency.P50, math.Ln2, 0.05) || p.LatencyCI == nil || !p.LatencyCI.P99.Contains(math.Log(100)) {
		t.Errorf("Pool: p50 %v (want ≈ %.3f), p99 interval %v (want it to hold %.3f)", p.Latency.P50, math.Ln2, p.LatencyCI, math.Log(100))
	}
	if slices.Contains(p.CINotEnoughData, "p99") {
		t.Errorf("Pool: p99 flagged not enough data over 3 trials: %v", p.CINotEnoughData)
	}
	if got := Pool([]results.Step{a}); got.Trials != nil {
		t.Errorf("Pool of one trial has Trials %v, want none", got.Trials)
	}
}
