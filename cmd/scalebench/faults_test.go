package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// runScenario writes a scenario file, runs it through the CLI (real
// processes, nginx, redis-server) and returns its targets by name.
func runScenario(t *testing.T, yaml string, extra ...string) map[string]results.Target {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "faults.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	mustRunCLI(t, append([]string{"run", path, "--out", out, "--no-progress"}, extra...)...)
	run := readRun(t, out)
	got := map[string]results.Target{}
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK {
			t.Fatalf("%s: status %q (%s), want ok", tr.Name, tr.Status, tr.Error)
		}
		got[tr.Name] = tr
	}
	return got
}

// TestFaultsThroughTheCLI carries out every action on short runs and
// checks that results.json records each fault where it happened, with
// its cost, and the instance count over time after a scale.
func TestFaultsThroughTheCLI(t *testing.T) {
	got := runScenario(t, `version: 1
defaults: {warmup: 1s, duration: 8s, cpu_budget: 0.5, gomaxprocs: 1}
requests: [{path: "/work?cpu=1ms"}]
load: {rate: 100}
targets:
  - name: nginx
    topology: replicas
    replicas: 2
    balancer: nginx
    retries: false
    faults:
      - {at: 1s, action: kill, instance: 2}
      - {at: 2.5s, action: rolling_restart, drain: 200ms}
      - {at: 6s, action: scale, to: 3}
  - name: go
    topology: replicas
    replicas: 2
    balancer: go
    faults:
      - {at: 1s, action: pause, instance: 1, for: 1s}
      - {at: 4s, action: kill, instance: balancer}
  - name: cluster
    topology: cluster
    workers: 2
    faults:
      - {at: 2s, action: kill, instance: 1, signal: TERM}
  - name: cached
    topology: cached
    faults:
      - {at: 2s, action: redis_down, for: 1s}
`)
	want := map[string][]string{"nginx": {"kill", "rolling_restart", "scale"}, "go": {"pause", "kill"}, "cluster": {"kill"}, "cached": {"redis_down"}}
	ats := map[string][]float64{"nginx": {1, 2.5, 6}, "go": {1, 4}, "cluster": {2}, "cached": {2}}
	for name, actions := range want {
		tr := got[name]
		if len(tr.Faults) != len(actions) {
			t.Fatalf("%s: %d faults recorded, want %d: %+v", name, len(tr.Faults), len(actions), tr.Faults)
		}
		for i, f := range tr.Faults {
			if f.Action != actions[i] || f.Error != "" {
				t.Errorf("%s fault %d = %s (error %q), want %s without error", name, i, f.Action, f.Error, actions[i])
			}
			if math.Abs(f.AtS-ats[name][i]) > 0.3 || f.EndS < f.AtS {
				t.Errorf("%s fault %d: at_s %.3f end_s %.3f, want at ≈ %v and end ≥ at", name, i, f.AtS, f.EndS, ats[name][i])
			}
			if f.Requests == 0 || f.MaxLatencyMs <= 0 {
				t.Errorf("%s fault %d: requests %d, max latency %v ms; want the window's figures", name, i, f.Requests, f.MaxLatencyMs)
			}
			if f.Action == "kill" && (f.ReplacedAfterS == nil || *f.ReplacedAfterS <= 0) {
				t.Errorf("%s kill: replaced_after_s = %v, want the replacement's time", name, f.ReplacedAfterS)
			}
		}
	}
	n := got["nginx"]
	if len(n.ScaleEvents) != 1 || n.ScaleEvents[0].From != 2 || n.ScaleEvents[0].To != 3 {
		t.Errorf("nginx scale events = %+v, want one 2 → 3", n.ScaleEvents)
	}
	tl := n.Steps[0].Timeline
	if first, last := tl[0].Instances, tl[len(tl)-1].Instances; first != 2 || last != 3 {
		t.Errorf("nginx timeline instances: first %d, last %d; want 2 then 3", first, last)
	}
	if p := got["go"].Faults[0]; p.EndS-p.AtS < 1 {
		t.Errorf("go: a 1 s pause lasted %.3f s (at_s %.3f, end_s %.3f), want ≥ 1 s", p.EndS-p.AtS, p.AtS, p.EndS)
	}
}

// TestAutoscaleThroughTheCLI: one replica at twice its CPU target makes
// the autoscaler add instances, recorded as scale events and as the
// timeline's instance count.
func TestAutoscaleThroughTheCLI(t *testing.T) {
	got := runScenario(t, `version: 1
defaults: {warmup: 1s, duration: 8s, cpu_budget: 0.25, gomaxprocs: 1}
requests: [{path: "/work?cpu=2ms"}]
load: {rate: 120}
targets:
  - name: hpa
    topology: replicas
    replicas: 1
    balancer: go
    autoscale: {min: 1, max: 3, target_cpu: 0.5, period: 1s, stabilization: 30s}
`)
	tr := got["hpa"]
	if len(tr.ScaleEvents) == 0 {
		t.Fatalf("no scale events; want the autoscaler to add instances (warnings: %v)", tr.Warnings)
	}
	e := tr.ScaleEvents[0]
	if e.Reason != "autoscale" || e.From != 1 || e.To < 2 || e.Utilization <= 0.5 || e.Error != "" || e.ReadyS < e.AtS {
		t.Errorf("first scale event = %+v, want autoscale 1 → ≥ 2 at utilization > 0.5, ready after it started", e)
	}
	tl := tr.Steps[0].Timeline
	if last := tl[len(tl)-1].Instances; last < 2 {
		t.Errorf("instances at the end = %d, want ≥ 2", last)
	}
}

// TestFaultsDockerThroughTheCLI: the same faults with containers — a
// rolling restart behind nginx with retries loses no request, a killed
// container and a killed cluster worker are replaced.
func TestFaultsDockerThroughTheCLI(t *testing.T) {
	got := runScenario(t, `version: 1
defaults: {warmup: 1s, duration: 12s, cpu_budget: 0.5, gomaxprocs: 1}
requests: [{path: "/work?cpu=1ms"}]
load: {rate: 100}
targets:
  - name: nginx
    topology: replicas
    replicas: 2
    balancer: nginx
    retries: true
    faults:
      - {at: 1s, action: rolling_restart, drain: 300ms}
  - name: go
    topology: replicas
    replicas: 2
    balancer: go
    faults:
      - {at: 1s, action: kill, instance: 1}
  - name: cluster
    topology: cluster
    workers: 2
    faults:
      - {at: 2s, action: kill, instance: 2}
`, dockerArgs(t)...)
	dockerRunOf(t, got)
	for name, tr := range got {
		for _, f := range tr.Faults {
			if f.Error != "" {
				t.Errorf("%s %s: %s", name, f.Action, f.Error)
			}
			if f.Action == "kill" && f.ReplacedAfterS == nil {
				t.Errorf("%s kill: no replacement time", name)
			}
		}
	}
	if rr := got["nginx"].Faults[0]; rr.Errors != 0 {
		t.Errorf("rolling restart behind nginx with retries: %d failed requests (%v), want 0", rr.Errors, rr.ErrorsByKind)
	}
}
