package agents

import (
	"math"
	"math/rand/v2"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
)

// part builds a step holding values (µs) as one agent would report it.
func part(t *testing.T, values []int64) (results.Step, *hdrhistogram.Histogram, results.Exact) {
	t.Helper()
	h := load.NewHistogram()
	var e results.Exact
	for _, v := range values {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
		e.Add(v)
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return results.Step{
		Requests:     uint64(len(values)),
		Errors:       uint64(len(values) / 10),
		ErrorsByKind: map[string]uint64{"status_503": uint64(len(values) / 10)},
		Instances:    map[string]uint64{"a": 1, "b": 2},
		OfferedRate:  100,
		AchievedRate: 99.5,
		Valid:        true,
		Latency:      results.LatencyOf(h, &e),
		Histograms:   map[string]string{load.HistLatency: enc},
		Timeline:     []results.Point{{T: 0, Requests: 3, P50: 1, P99: 2}, {T: 1, Requests: 1, P50: 3, P99: 4}},
	}, h, e
}

// TestMergeExact: the merged step's count is the sum and its percentiles
// are those of one histogram holding every agent's values.
func TestMergeExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pooled := load.NewHistogram()
	var pooledExact results.Exact
	var parts []results.Step
	for i, n := range []int{5000, 1, 12345} {
		vals := make([]int64, n)
		for j := range vals {
			// log-normal-ish latencies from 50 µs to seconds, distinct per agent
			vals[j] = int64(math.Exp(rng.NormFloat64()*1.2+7+float64(i))) + 1
		}
		p, h, e := part(t, vals)
		parts = append(parts, p)
		pooled.Merge(h)
		pooledExact.Merge(e)
	}
	m, err := Merge(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := results.LatencyOf(pooled, &pooledExact)
	if m.Requests != 5000+1+12345 || m.Errors != 500+0+1234 || m.ErrorsByKind["status_503"] != m.Errors {
		t.Fatalf("counts: requests %d errors %d by kind %v", m.Requests, m.Errors, m.ErrorsByKind)
	}
	got := m.Latency
	if math.Abs(got.Mean-want.Mean) > 1e-6 {
		t.Errorf("mean %v, want %v", got.Mean, want.Mean)
	}
	got.Mean, want.Mean = 0, 0
	if got != want {
		t.Errorf("merged latency %+v,\nwant pooled %+v", got, want)
	}
	h, err := results.DecodeHistogram(m.Histograms[load.HistLatency])
	if err != nil || h.TotalCount() != int64(m.Requests) {
		t.Fatalf("merged histogram: %v, count %d", err, h.TotalCount())
	}
	if m.Instances["b"] != 6 || m.OfferedRate != 300 || m.AchievedRate != 298.5 || !m.Valid {
		t.Errorf("sums: instances %v offered %v achieved %v valid %v", m.Instances, m.OfferedRate, m.AchievedRate, m.Valid)
	}
	if len(m.Timeline) != 2 || m.Timeline[0].Requests != 9 || m.Timeline[1].P99 != 4 {
		t.Errorf("timeline %+v", m.Timeline)
	}
}

// TestMergeRefusesGeometry: a histogram of another geometry, or a part with
// requests but no histogram, is an error rather than a silent loss.
func TestMergeRefusesGeometry(t *testing.T) {
	a, _, _ := part(t, []int64{100, 200, 300})
	b, _, _ := part(t, []int64{400})
	other := hdrhistogram.New(1, 10_000_000_000, 3)
	_ = other.RecordValue(5_000_000_000)
	enc, err := results.EncodeHistogram(other)
	if err != nil {
		t.Fatal(err)
	}
	b.Histograms[load.HistLatency] = enc
	if _, err := Merge([]results.Step{a, b}, nil); err == nil {
		t.Error("merged a histogram of another geometry")
	}
	delete(b.Histograms, load.HistLatency)
	if _, err := Merge([]results.Step{a, b}, nil); err == nil {
		t.Error("merged a part with requests but no histogram")
	}
	b.Valid = false
	b.Warnings = []string{"fell behind"}
	b.Histograms = a.Histograms
	m, err := Merge([]results.Step{a, b}, nil)
	if err != nil || m.Valid || len(m.Warnings) != 1 || m.Warnings[0] != "agent 1: fell behind" {
		t.Errorf("invalid part: err %v, valid %v, warnings %v", err, m.Valid, m.Warnings)
	}
}

// TestMergeTimelineExact: a second's merged p50 and p99 are those of the
// pooled values when the agents send that second's histogram.
func TestMergeTimelineExact(t *testing.T) {
	pooled := load.NewHistogram()
	var parts []results.Step
	for _, vals := range [][]int64{{100, 200, 300, 90000}, {150, 250, 350, 450, 550, 650}} {
		p, h, _ := part(t, vals)
		enc, _ := results.EncodeHistogram(h)
		p.Timeline = []results.Point{{T: 0, Requests: uint64(len(vals)), P50: 99, P99: 99, Histogram: enc}}
		parts = append(parts, p)
		pooled.Merge(h)
	}
	m, err := Merge(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	pt := m.Timeline[0]
	if pt.Requests != 10 || pt.P50 != float64(pooled.ValueAtQuantile(50))/1000 || pt.P99 != float64(pooled.ValueAtQuantile(99))/1000 || pt.Histogram != "" {
		t.Errorf("merged second %+v; pooled p50 %d p99 %d µs", pt, pooled.ValueAtQuantile(50), pooled.ValueAtQuantile(99))
	}
}
