package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/capacity"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// limitServer is a synthetic workload whose p99 exceeds the SLO above limit.
type limitServer struct{ limit float64 }

func (s limitServer) Run(_ context.Context, ph load.Phase) ([]results.Step, error) {
	st := results.Step{Index: ph.Index, Model: "open", OfferedRate: ph.Rate, AchievedRate: ph.Rate, Requests: 100, Valid: true, Latency: results.Latency{P99: 10}}
	if ph.Rate > s.limit {
		st.Latency.P99 = 80
	}
	return []results.Step{st}, nil
}

type probeDep struct{}

func (probeDep) Endpoint() string                              { return "http://127.0.0.1:1" }
func (probeDep) Info() results.Deployment                      { return results.Deployment{} }
func (probeDep) Sample(context.Context) (targets.Usage, error) { return targets.Usage{}, nil }
func (probeDep) Err() error                                    { return nil }
func (probeDep) Logs() map[string]string                       { return nil }
func (probeDep) Down(context.Context) error                    { return nil }

func searchScenario() *scenarios.Scenario {
	rate := 0.01
	return &scenarios.Scenario{
		Defaults: scenarios.Defaults{Duration: scenarios.Duration(time.Second)},
		Load:     scenarios.LoadShape{Search: &scenarios.Search{From: 10, To: 1000, Resolution: 0.05, MaxTime: scenarios.Duration(time.Hour)}},
		SLO:      &scenarios.SLO{P99: scenarios.Duration(50 * time.Millisecond), ErrorRate: &rate},
	}
}

func TestSearchRecordsProbesAndCapacity(t *testing.T) {
	sc := searchScenario()
	tr := &results.Target{Name: "x", Status: results.StatusOK}
	finish := driveLoad(context.Background(), limitServer{limit: 237}, probeDep{}, nil, sc, tr, Options{}, nopObserver{})
	judge(tr, sc.SLO)
	finish()
	if tr.Search == nil || tr.Search.Stop != capacity.StopConverged {
		t.Fatalf("search = %+v", tr.Search)
	}
	lo, hi := tr.CapacityInterval.Lo(), tr.CapacityInterval.Hi()
	if tr.CapacityRate != lo || lo > 237 || hi <= 237 || hi/lo-1 > 0.06 || tr.CapacityReason != capacity.ReasonP99 {
		t.Errorf("capacity %v [%v, %v] reason %q; want 237 bracketed within 5%%, p99", tr.CapacityRate, lo, hi, tr.CapacityReason)
	}
	if tr.SLOPassed != nil {
		t.Errorf("slo_passed = %v; a search target is not gated", *tr.SLOPassed)
	}
	for i, st := range tr.Steps {
		if !st.Probe || st.Index != i || st.ProbeOutcome == "" {
			t.Errorf("step %d = probe %v, index %d, outcome %q", i, st.Probe, st.Index, st.ProbeOutcome)
		}
	}
}

func TestClassify(t *testing.T) {
	sc := searchScenario()
	ok := results.Step{OfferedRate: 100, AchievedRate: 100, Requests: 100, Valid: true, Latency: results.Latency{P99: 20}}
	tests := []struct {
		name    string
		edit    func(*results.Step)
		outcome capacity.Outcome
		reason  string
	}{
		{"pass", func(*results.Step) {}, capacity.Pass, ""},
		{"p99", func(s *results.Step) { s.Latency.P99 = 60 }, capacity.Fail, capacity.ReasonP99},
		{"errors", func(s *results.Step) { s.ErrorRate = 0.02 }, capacity.Fail, capacity.ReasonErrors},
		{"saturation", func(s *results.Step) { s.AchievedRate, s.Unsent = 90, 10 }, capacity.Fail, capacity.ReasonSaturation},
		{"nothing completed", func(s *results.Step) { s.Errors = 100 }, capacity.Invalid, capacity.ReasonNoRequests},
		{"generator late", func(s *results.Step) { s.Valid, s.Warnings = false, []string{"generator sent late: …"} }, capacity.Invalid, capacity.ReasonLate},
		{"generator short", func(s *results.Step) { s.Valid, s.AchievedRate = false, 90 }, capacity.Invalid, capacity.ReasonGenerator},
		{"little", func(s *results.Step) { s.Valid, s.Warnings = false, []string{"little's law does not hold"} }, capacity.Invalid, capacity.ReasonInvalid},
	}
	for _, tt := range tests {
		s := ok
		tt.edit(&s)
		o := classify(&s, sc.SLO)
		if o.Outcome != tt.outcome || o.Reason != tt.reason {
			t.Errorf("%s: classify = %s (%s), want %s (%s)", tt.name, o.Outcome, o.Reason, tt.outcome, tt.reason)
		}
	}
}

func TestExpandSweepsAndCPUGate(t *testing.T) {
	budget := 0.3
	list := expandSweeps([]scenarios.Target{
		{Name: "rep", Topology: "replicas", Replicas: 1, Sweep: []int{1, 2, 3, 4}, CPUBudget: &budget},
		{Name: "big", Topology: "replicas", Replicas: 4, CPUBudget: &budget},
	})
	var names []string
	for _, v := range list {
		names = append(names, v.Name)
	}
	if strings.Join(names, " ") != "rep@1 rep@2 rep@3 rep@4 big" {
		t.Fatalf("expanded = %v", names)
	}
	sc := &scenarios.Scenario{}
	run := &results.Run{Environment: results.Environment{CPUs: 2, TargetCPUs: []int{1}}}
	stopped := map[string]bool{}
	var got []string
	for _, v := range list {
		fit, warning, skipped := cpuGate(run, sc, v, stopped)
		switch {
		case skipped != nil:
			got = append(got, v.Name+":skipped")
		case warning != "":
			got = append(got, v.Name+":warned")
		case fit.Oversubscribed:
			t.Errorf("%s oversubscribed without a warning", v.Name)
		default:
			got = append(got, v.Name+":ok")
		}
	}
	// 3 × 0.3 + 0.1 = 1.0 fits one CPU; 4 × 0.3 + 0.1 does not.
	if want := "rep@1:ok rep@2:ok rep@3:ok rep@4:skipped big:warned"; strings.Join(got, " ") != want {
		t.Errorf("gate = %v, want %s", got, want)
	}
	sc.Defaults.AllowOversubscribe = true
	if _, w, skipped := cpuGate(run, sc, list[3], map[string]bool{}); skipped != nil || w == "" {
		t.Errorf("allow_oversubscribe: skipped %v, warning %q; want measured with a warning", skipped, w)
	}
}

func TestSetTargetRate(t *testing.T) {
	sc := &scenarios.Scenario{Source: "s.yaml", Targets: []scenarios.Target{{Name: "a"}}}
	if err := SetTargetRate(sc, 100); err == nil || !strings.Contains(err.Error(), "no slo") {
		t.Errorf("no SLO: %v", err)
	}
	sc.SLO = &scenarios.SLO{}
	if err := SetTargetRate(sc, 100); err == nil || !strings.Contains(err.Error(), "no size sweep") {
		t.Errorf("no sweep: %v", err)
	}
	sc.Targets[0].Sweep = []int{1, 2}
	if err := SetTargetRate(sc, 100); err != nil || sc.SLO.TargetRate != 100 {
		t.Errorf("sweep: %v, target rate %v", err, sc.SLO.TargetRate)
	}
}
