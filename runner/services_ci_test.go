package runner

import (
	"slices"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app/service"
	"github.com/scalebench/scalebench/results"
)

// svcStep measures one service over four one-second slices of 100
// requests each (p50 latency lat µs) and returns its figures with their
// intervals.
func svcStep(t *testing.T, lat int64) results.ServiceStep {
	t.Helper()
	w := &svcWorkload{entry: "core", graph: service.Graph{"core": {}},
		dep: fakeServices{{Name: "core", Replicas: 1, CPUBudget: 0.5, Instances: []string{"c1"}}}}
	t0 := time.Unix(0, 0)
	var rs []timedReading
	for i := range 5 {
		cpu := 0.1*float64(i) + 0.01*float64(i%2)
		rs = append(rs, timedReading{reading{"c1": svcStats(t, "core", cpu, 100*i, lat+int64(i%2)*lat/10, 0, nil)}, t0.Add(time.Duration(i) * time.Second)})
	}
	// cumulative histograms: reading i holds 100·i values, so the slices
	// differ only by the last value recorded; rebuild them as real sums.
	for i := 1; i < len(rs); i++ {
		prev, cur := rs[i-1].r["c1"].Services["core"], rs[i].r["c1"].Services["core"]
		cur.Latency = sumHist(t, prev.Latency, hist(t, 100, lat+int64(i%2)*lat/10))
		cur.Self = cur.Latency
		s := rs[i].r["c1"]
		s.Services = map[string]service.ServiceStats{"core": cur}
		rs[i].r["c1"] = s
	}
	out := w.figures(rs[0].r, rs[4].r, 4, 400)
	w.sections(rs, out)
	st := out["core"]
	serviceIntervals(&st)
	return st
}

func sumHist(t *testing.T, a, b string) string {
	t.Helper()
	h := newHist()
	for _, e := range []string{a, b} {
		if e == "" {
			continue
		}
		x, err := results.DecodeHistogram(e)
		if err != nil {
			t.Fatal(err)
		}
		h.Merge(x)
	}
	s, _ := results.EncodeHistogram(h)
	return s
}

// TestServiceIntervals: a service's figures carry intervals made from the
// slices between readings, each holding its figure; p99 of 400 requests
// is too few to section and says so; the utilization interval is the CPU
// one over the capacity.
func TestServiceIntervals(t *testing.T) {
	st := svcStep(t, 2000)
	if len(st.Sections) != 4 || st.Requests != 400 {
		t.Fatalf("%d sections, %d requests; want 4 and 400", len(st.Sections), st.Requests)
	}
	for name, c := range map[string]struct {
		iv *results.Interval
		v  float64
	}{"p50": {st.P50CI, st.P50}, "self p50": {st.SelfMsP50CI, st.SelfMsP50}, "cpu_cores": {st.CPUCoresCI, st.CPUCores}, "cpu/req": {st.CPUMsPerRequestCI, st.CPUMsPerRequest}, "util": {st.UtilizationCI, st.Utilization}} {
		if c.iv == nil || !c.iv.Contains(c.v) || c.iv.Lo() == c.iv.Hi() {
			t.Errorf("%s interval %v does not hold %v with a width", name, c.iv, c.v)
		}
	}
	if !slices.Contains(st.CINotEnoughData, "p99") || slices.Contains(st.CINotEnoughData, "p50") {
		t.Errorf("ci_not_enough_data %v, want p99 (400 requests) and not p50", st.CINotEnoughData)
	}
	if u := st.UtilizationCI; u[1] < st.CPUCoresCI[1]*2-1e-3 || u[1] > st.CPUCoresCI[1]*2+1e-3 {
		t.Errorf("utilization interval %v, want the CPU interval %v over 0.5 CPU", u, st.CPUCoresCI)
	}
}

// TestPoolServices: trials of a step pool per service: requests summed,
// percentiles from the merged slices, and with two trials a p99 that no
// trial could section gets the between-trial interval.
func TestPoolServices(t *testing.T) {
	a, b := svcStep(t, 2000), svcStep(t, 4000)
	st := results.Step{Services: map[string]results.ServiceStep{"core": a}}
	poolServices(&st, []results.Step{{Services: map[string]results.ServiceStep{"core": a}}, {Services: map[string]results.ServiceStep{"core": b}}})
	p := st.Services["core"]
	if p.Requests != 800 || p.Expected != 800 || p.Trials != 2 || len(p.Sections) != 8 {
		t.Fatalf("pooled %d requests, %d expected, %d trials, %d sections; want 800, 800, 2, 8", p.Requests, p.Expected, p.Trials, len(p.Sections))
	}
	if p.P50 <= a.P50 || p.P99 < b.P99*0.98 {
		t.Errorf("pooled p50 %v p99 %v, want between the trials' (%v, %v) and p99 near %v", p.P50, p.P99, a.P50, b.P50, b.P99)
	}
	if slices.Contains(p.CINotEnoughData, "p99") || p.P99CI == nil || !p.P99CI.Contains(p.P99) {
		t.Errorf("pooled p99 %v interval %v (not enough data: %v), want the between-trial interval", p.P99, p.P99CI, p.CINotEnoughData)
	}
	if p.CPUCores < a.CPUCores*0.99 || p.CPUCores > a.CPUCores*1.01 {
		t.Errorf("pooled CPU %v, want the trials' %v", p.CPUCores, a.CPUCores)
	}
}
