package runner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
)

func mustParse(t *testing.T, yaml string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

const head = `
name: t
defaults: {warmup: 2s, duration: 10s}
requests: [{path: /}]
targets: [{name: a, topology: single}]
`

func TestPhases(t *testing.T) {
	tests := []struct {
		name  string
		load  string
		quick bool
		want  []load.Phase
	}{
		{"steps", "load: {steps: [10, 20]}", false, []load.Phase{
			{Index: 0, Model: "open", Rate: 10, Duration: 2 * time.Second, Discard: true},
			{Index: 0, Model: "open", Rate: 10, Duration: 10 * time.Second},
			{Index: 1, Model: "open", Rate: 20, Duration: 10 * time.Second},
		}},
		{"quick caps durations", "load: {rate: 5}", true, []load.Phase{
			{Index: 0, Model: "open", Rate: 5, Duration: time.Second, Discard: true},
			{Index: 0, Model: "open", Rate: 5, Duration: 2 * time.Second},
		}},
		{"ramp", "load: {ramp: {from: 10, to: 100, over: 20s, windows: 4}}", false, []load.Phase{
			{Index: 0, Model: "open", Rate: 10, Duration: 2 * time.Second, Discard: true},
			{Index: 0, Model: "open", Rate: 10, RampTo: 100, Windows: 4, Duration: 20 * time.Second},
		}},
		{"closed", "load: {concurrency: [4, 8]}", false, []load.Phase{
			{Index: 0, Model: "closed", Concurrency: 4, Duration: 2 * time.Second, Discard: true},
			{Index: 0, Model: "closed", Concurrency: 4, Duration: 10 * time.Second},
			{Index: 1, Model: "closed", Concurrency: 8, Duration: 10 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Phases(mustParse(t, head+tt.load), tt.quick)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Phases() (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSpecAppliesDefaultsAndOverrides(t *testing.T) {
	sc := mustParse(t, `
name: t
defaults: {cpu_budget: 0.5, gomaxprocs: 1}
requests: [{path: /}]
load: {rate: 1}
targets:
  - {name: c, topology: cluster, workers: 3, cpu_budget: 0.25}
  - {name: r, topology: replicas, policy: least_conn}
  - {name: u, url: "http://127.0.0.1:9/"}
`)
	c, r, u := Spec(sc, sc.Targets[0], "run1"), Spec(sc, sc.Targets[1], "run1"), Spec(sc, sc.Targets[2], "run1")
	if c.Instances != 3 || c.CPUBudget != 0.25 || c.GOMAXPROCS != 1 || c.RunID != "run1" {
		t.Errorf("cluster spec = %+v, want 3 instances, budget 0.25, gomaxprocs 1", c)
	}
	if r.Instances != 2 || r.Policy != "least_conn" || r.CPUBudget != 0.5 {
		t.Errorf("replicas spec = %+v, want 2 instances (catalog default), least_conn, budget 0.5", r)
	}
	if u.Topology != "url" || u.URL == "" {
		t.Errorf("url spec = %+v, want topology url", u)
	}
}

func TestJudge(t *testing.T) {
	rate := 0.01
	slo := &scenarios.SLO{P99: scenarios.Duration(50 * time.Millisecond), ErrorRate: &rate}
	step := func(offered, p99, errRate float64, valid bool) results.Step {
		return results.Step{Model: "open", OfferedRate: offered, Requests: 100, Latency: results.Latency{P99: p99}, ErrorRate: errRate, Valid: valid}
	}
	tr := &results.Target{Status: results.StatusOK, Steps: []results.Step{
		step(100, 10, 0, true),
		step(200, 40, 0, true),
		step(300, 45, 0, false), // invalid: does not count as capacity
		step(400, 400, 0, true),
		step(500, 20, 0.02, true),
	}}
	judge(tr, slo)
	var got []bool
	for _, s := range tr.Steps {
		got = append(got, *s.SLOPassed)
	}
	if diff := cmp.Diff(got, []bool{true, true, true, false, false}); diff != "" {
		t.Errorf("steps' slo_passed (-got +want):\n%s", diff)
	}
	if tr.CapacityRate != 200 || *tr.SLOPassed {
		t.Errorf("capacity %v, slo_passed %v; want 200 and false", tr.CapacityRate, *tr.SLOPassed)
	}
}
