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
	stdout, _ := mustRunCLI(t, "run", "testdata/capacity.yaml", "--out", out, "--no-progress")
	run := readRun(t, out)
	tr := run.Targets[0]
	const limit, resolution = 50, 0.1
	s := tr.Search
	var probes []string
	for _, st := range tr.Steps {
		probes = append(probes, fmt.Sprintf("%g:%s:%s(p99 %.0f)", st.OfferedRate, st.ProbeOutcome, st.ProbeReason, st.Latency.P99))
	}
	busy(t, tr)
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

// A scaling sweep through the CLI: replicas [1, 2, 3] of an instance that
// holds its own lock for 20 ms per request (at most 50·N req/s). Every
// size gets a capacity within its limit, the USL fit has intervals, and
// the instance count for 70 req/s is the measured one (2): inside the
// measured range the model must agree with the measurements.
func TestRunScalingSweep(t *testing.T) {
	out := t.TempDir()
	stdout, _ := mustRunCLI(t, "run", "testdata/sweep.yaml", "--out", out, "--no-progress")
	run := readRun(t, out)
	if len(run.Targets) != 3 || run.Targets[2].Name != "rep@3" || run.Targets[2].SweepSize != 3 {
		t.Fatalf("targets %d; want rep@1..rep@3", len(run.Targets))
	}
	for _, tr := range run.Targets {
		busy(t, tr)
		if limit := 50 * float64(tr.SweepSize); tr.CapacityRate > limit || tr.CapacityRate < 0.6*limit {
			t.Errorf("%s: capacity %v, want at most its limit %v and above 60%% of it (search %+v)", tr.Name, tr.CapacityRate, limit, tr.Search)
		}
	}
	if len(run.Scaling) != 1 || run.Scaling[0].USL == nil {
		t.Fatalf("scaling = %+v, want one sweep with a USL fit", run.Scaling)
	}
	s := run.Scaling[0]
	if u := s.USL; u.LambdaCI[0] > u.Lambda || u.LambdaCI[1] < u.Lambda || u.SigmaCI[1] < u.SigmaCI[0] {
		t.Errorf("usl = %+v, want intervals around the estimates", u)
	}
	z := s.Sizing
	if z == nil || z.Instances != 2 || z.Measured != 2 || z.Extrapolated {
		t.Errorf("sizing = %+v, want 2 instances, as measured, not extrapolated (capacities %v)", z, s.CapacityRate)
	}
	if !strings.Contains(stdout, "Instances needed") || !strings.Contains(stdout, "to hold 70 req/s") {
		t.Errorf("summary lacks the answer:\n%s", stdout)
	}
}

// busy fails the test with the reason when a search could not measure
// because the load generator itself was late or short (a machine busy
// with other work): the figures would say nothing about the server.
func busy(t *testing.T, tr results.Target) {
	t.Helper()
	if s := tr.Search; s != nil && (s.Stop == "invalid" || s.Stop == "generator_ceiling") {
		t.Fatalf("%s: the search stopped on invalid probes (%s): %s — the machine is too busy for this end-to-end test; rerun it on a quieter machine", tr.Name, s.Stop, s.Detail)
	}
}

// --for-rate needs a sweep to size: a usage error (exit 2) otherwise.
func TestRunForRateNeedsSweep(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--for-rate", "100", "--out", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "--for-rate: testdata/tiny.yaml has no size sweep") {
		t.Errorf("exit %d, stderr %q; want 2 and the reason", code, stderr)
	}
}
