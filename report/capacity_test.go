package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalebench/scalebench/capacity"
	"github.com/scalebench/scalebench/results"
)

// sweepRun is a synthetic run of two sweeps: near-linear and levelling off.
func sweepRun() *results.Run {
	run := &results.Run{SchemaVersion: results.SchemaVersion, ID: "cap", Scenario: "capacity", Model: "open", Status: results.RunCompleted,
		SLO: &results.SLO{P99Ms: 50, ErrorRate: 0.01, TargetRate: 250}, Warnings: []string{`target "lock@4" oversubscribes the CPUs`}}
	caps := map[string][]float64{"linear": {90, 180, 268, 355}, "lock": {90, 160, 190, 198}}
	for _, name := range []string{"linear", "lock"} {
		for i, c := range caps[name] {
			n := i + 1
			t := results.Target{Name: name + "@" + string(rune('0'+n)), Topology: "replicas", Status: results.StatusOK, Sweep: name, SweepSize: n,
				CapacityRate: c, CapacityInterval: &results.Interval{c, c * 1.08}, CapacityReason: "p99",
				Deployment: results.Deployment{CPUBudget: 0.2, Instances: n},
				Search:     &results.Search{From: 40, To: 1000, Resolution: 0.1, Probes: 3, Stop: "converged"}}
			for k, r := range []float64{c / 2, c * 1.08, c} {
				out := "pass"
				if k == 1 {
					out = "fail"
				}
				t.Steps = append(t.Steps, results.Step{Index: k, Model: "open", OfferedRate: r, AchievedRate: r, Requests: 100, Valid: true, Probe: true, ProbeOutcome: out,
					Latency: results.Latency{P99: 20}})
			}
			run.Targets = append(run.Targets, t)
		}
	}
	run.Scaling = capacity.Scaling(run, 250)
	return run
}

func TestCapacityOutputs(t *testing.T) {
	run := sweepRun()
	if len(run.Scaling) != 2 || run.Scaling[0].Sizing == nil || run.Scaling[0].Sizing.Instances != 3 {
		t.Fatalf("scaling = %+v, want linear sized at 3 instances for 250 req/s", run.Scaling)
	}
	if z := run.Scaling[1].Sizing; z.Instances != 0 {
		t.Errorf("lock sizing = %+v, want unreachable (it levels off near 200)", z)
	}
	var term, mdown bytes.Buffer
	if err := Summary(&term, run); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&mdown, []*results.Run{run}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"terminal": term.String(), "summary.md": mdown.String()} {
		for _, want := range []string{"Capacity search", "Scaling (Universal Scalability Law)", "Instances needed",
			"to hold 250 req/s at p99 ≤ 50 ms, linear needs 3 replicas of this size (0.2 CPU each)", "lock cannot hold 250 req/s", "oversubscribes the CPUs", "near-linear"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, out)
			}
		}
	}
	dir := t.TempDir()
	if d := os.Getenv("CAPACITY_CHART_DIR"); d != "" {
		dir = d
	}
	if _, err := Render(context.Background(), dir, []*results.Run{run}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"charts/scaling-linear.png", "charts/scaling-lock.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	if !strings.Contains(string(html), "Instances needed") || !strings.Contains(string(html), "Scaling: linear") {
		t.Error("report.html lacks the sizing section or the scaling chart")
	}
}
