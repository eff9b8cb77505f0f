package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// A capacity search through the CLI against a server whose limit is
// known: every request holds the reference app's serial section for 20 ms
// of wall time, so it cannot serve more than 50 req/s — a limit that does
// not move with the load on a shared machine, as a CPU limit would. The
// search must end at or below it, within its resolution, with every probe
// recorded in order.
func TestRunCapacitySearch(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "testdata/capacity.yaml", "--out", out, "--no-progress")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	run, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Targets[0]
	const limit, resolution = 50, 0.1
	s := tr.Search
	var probes []string
	for _, st := range tr.Steps {
		probes = append(probes, fmt.Sprintf("%g:%s:%s(p99 %.0f)", st.OfferedRate, st.ProbeOutcome, st.ProbeReason, st.Latency.P99))
	}
	if s == nil || s.Stop != "converged" {
		t.Fatalf("search = %+v, want converged (warnings %v)\nprobes %v", s, tr.Warnings, probes)
	}
	lo, hi := tr.CapacityInterval.Lo(), tr.CapacityInterval.Hi()
	if tr.CapacityRate != lo || lo > limit || lo < 0.7*limit {
		t.Errorf("capacity %v req/s, want at most the known limit %v and above 70%% of it", tr.CapacityRate, limit)
	}
	if hi/lo-1 > resolution+0.03 { // rates are rounded to whole req/s
		t.Errorf("interval [%v, %v] is wider than the resolution %v", lo, hi, resolution)
	}
	if tr.CapacityReason == "" || tr.SLOPassed != nil {
		t.Errorf("capacity_reason %q, slo_passed %v; want a reason and no SLO gate", tr.CapacityReason, tr.SLOPassed)
	}
	if len(tr.Steps) != s.Probes || len(tr.Steps) < 4 {
		t.Fatalf("%d steps, %d probes; want every probe a step", len(tr.Steps), s.Probes)
	}
	for i, st := range tr.Steps {
		if !st.Probe || st.Index != i || st.ProbeOutcome == "" {
			t.Errorf("step %d: probe %v index %d outcome %q", i, st.Probe, st.Index, st.ProbeOutcome)
		}
	}
	if !strings.Contains(stdout, "capacity") {
		t.Errorf("summary does not mention the capacity:\n%s", stdout)
	}
}
