package runner

import (
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/app/service"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

type fakeServices []targets.RunningService

func (f fakeServices) Services() []targets.RunningService { return f }

// hist encodes a histogram holding n values of us microseconds.
func hist(t *testing.T, n int, us int64) string {
	t.Helper()
	h := newHist()
	_ = h.RecordValues(us, int64(n))
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func svcStats(t *testing.T, self string, cpu float64, reqs int, latUs, waitUs int64, calls map[string]uint64) service.Stats {
	return service.Stats{Service: self, CPUSeconds: cpu, Services: map[string]service.ServiceStats{self: {
		Requests: uint64(reqs), Latency: hist(t, reqs, latUs), Self: hist(t, reqs, latUs-waitUs), WaitUs: waitUs * int64(reqs), Calls: calls,
	}}}
}

// TestServiceFigures: figures are after − before per service, summed
// over instances; the callers' calls are each callee's expected count; a
// callee that handled fewer is named in a warning; CPU over the budget
// marks the service saturated.
func TestServiceFigures(t *testing.T) {
	w := &svcWorkload{entry: "core", graph: service.Graph{"core": {Calls: []string{"auth"}}, "auth": {}},
		dep: fakeServices{
			{Name: "auth", Replicas: 2, CPUBudget: 0.25, Instances: []string{"a1", "a2"}},
			{Name: "core", Replicas: 1, CPUBudget: 0.25, Instances: []string{"c1"}},
		}}
	before := reading{
		"a1": svcStats(t, "auth", 1, 10, 1000, 0, nil),
		"a2": svcStats(t, "auth", 1, 10, 1000, 0, nil),
		"c1": svcStats(t, "core", 1, 10, 5000, 1000, map[string]uint64{"auth": 20}),
	}
	after := reading{
		"a1": svcStats(t, "auth", 1.2, 60, 1000, 0, nil),
		"a2": svcStats(t, "auth", 1.2, 58, 1000, 0, nil),
		"c1": svcStats(t, "core", 1.24, 110, 5000, 1000, map[string]uint64{"auth": 120}),
	}
	got := w.figures(before, after, 1, 100)
	auth, core := got["auth"], got["core"]
	if auth.Requests != 98 || auth.Expected != 100 || core.Requests != 100 || core.Expected != 100 {
		t.Fatalf("requests/expected auth %d/%d core %d/%d, want 98/100 and 100/100", auth.Requests, auth.Expected, core.Requests, core.Expected)
	}
	if auth.Saturated || auth.CPUCores < 0.39 || auth.CPUCores > 0.41 || auth.Utilization > 0.81 {
		t.Errorf("auth cpu %.2f util %.2f saturated %v, want 0.40, 0.80, not saturated", auth.CPUCores, auth.Utilization, auth.Saturated)
	}
	if !core.Saturated || core.Utilization < 0.95 {
		t.Errorf("core util %.2f saturated %v, want 0.96 and saturated", core.Utilization, core.Saturated)
	}
	if core.P50 < 4.9 || core.P50 > 5.1 || core.SelfMsP50 < 3.9 || core.SelfMsP50 > 4.1 || core.WaitMsMean != 1 {
		t.Errorf("core p50 %v self p50 %v wait mean %v, want 5, 4, 1 ms", core.P50, core.SelfMsP50, core.WaitMsMean)
	}
	warn := accountingWarnings(got, "core")
	if len(warn) != 1 || !strings.Contains(warn[0], "auth handled 98 requests of the 100") {
		t.Errorf("warnings %q, want one naming auth's 2 lost requests", warn)
	}
}

// TestMergeDiff: a histogram difference holds only what was recorded in
// between.
func TestMergeDiff(t *testing.T) {
	a := newHist()
	_ = a.RecordValues(100, 5)
	b := hdrhistogram.Import(a.Export())
	_ = b.RecordValues(9000, 3)
	ea, _ := results.EncodeHistogram(a)
	eb, _ := results.EncodeHistogram(b)
	d := newHist()
	mergeDiff(d, eb, ea)
	if d.TotalCount() != 3 || d.Min() < 8900 {
		t.Errorf("diff count %d min %d, want 3 values near 9000", d.TotalCount(), d.Min())
	}
}
