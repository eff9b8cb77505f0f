package report

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// svcRun is a split whose payments saturates at 120 req/s and the same
// split with a second payments replica that holds it.
func svcRun() *results.Run {
	pass, fail := true, false
	svc := func(payReplicas int, payUtil float64) map[string]results.ServiceStep {
		return map[string]results.ServiceStep{
			"core":     {Requests: 240, Expected: 240, Replicas: 1, Utilization: 0.5, SelfMsMean: 2, WaitMsMean: 20, Via: "http"},
			"payments": {Requests: 240, Expected: 240, Replicas: payReplicas, Utilization: payUtil, Saturated: payUtil >= results.SaturatedAt, SelfMsMean: 18, Via: "http"},
		}
	}
	step := func(i int, rate, tput float64, passed *bool, s map[string]results.ServiceStep) results.Step {
		return results.Step{Index: i, OfferedRate: rate, DurationS: 2, Requests: uint64(rate * 2), Throughput: tput, Valid: true, SLOPassed: passed,
			Latency: results.Latency{P50: 1, P99: 5}, Services: s}
	}
	return &results.Run{
		SLO: &results.SLO{P99Ms: 100, ErrorRate: 0.01},
		Targets: []results.Target{
			{Name: "split", Topology: "microservices", Status: results.StatusOK, Steps: []results.Step{
				step(0, 60, 60, &pass, svc(1, 0.6)), step(1, 120, 95, &fail, svc(1, 0.97))}},
			{Name: "split-x2", Topology: "microservices", Status: results.StatusOK, Steps: []results.Step{
				step(0, 60, 60, &pass, svc(2, 0.3)), step(1, 120, 120, &pass, svc(2, 0.5))}},
		},
	}
}

// TestServicesVerdict: the bottleneck is the most utilised service at the
// step that broke the SLO, and the target with more replicas of it says
// what they bought.
func TestServicesVerdict(t *testing.T) {
	run := svcRun()
	v := Analyze(run)
	b := FindBottleneck(&run.Targets[0], v.Targets[0])
	if b.Service != "payments" || b.Step != 1 || b.First != "payments" || b.FirstStep != 1 {
		t.Errorf("FindBottleneck = %+v, want payments at step 1, saturated first at step 1", b)
	}
	tb := servicesTable(run, v)
	if len(tb.Rows) != 8 {
		t.Fatalf("%d rows, want one per level, target and service (8)", len(tb.Rows))
	}
	for _, want := range []string{"split: payments limited it at 120 req/s (97% of its CPU", "Giving payments 2 replicas instead of 1 (split-x2) took the top throughput from 95/s to 120/s"} {
		if !strings.Contains(tb.Note, want) {
			t.Errorf("note %q\nwant it to contain %q", tb.Note, want)
		}
	}
	if p := serviceTime(measuredSeries(run)); p == nil {
		t.Error("serviceTime = nil")
	}
}

func measuredSeries(run *results.Run) []series {
	var out []series
	for i := range run.Targets {
		out = append(out, series{Label: run.Targets[i].Name, Run: run, Target: &run.Targets[i]})
	}
	return out
}
