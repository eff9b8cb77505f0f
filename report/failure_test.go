package report

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

func mkStep(index int, rate, p99 float64, requests uint64, valid, slo bool) results.Step {
	return results.Step{Index: index, Model: "open", OfferedRate: rate, Requests: requests, Throughput: rate,
		Latency: results.Latency{P50: p99 / 2, P99: p99}, Valid: valid, SLOPassed: &slo}
}

// The verdict box is green only when the top load has a winner: a target
// that held the SLO below the top load but not at it is no success
// (issue 10, finding 15).
func TestVerdictNotGreenWhenSLOFailedAtTop(t *testing.T) {
	no := false
	run := &results.Run{SLO: &results.SLO{P99Ms: 50, ErrorRate: 0.01}, Targets: []results.Target{{
		Name: "single", Status: results.StatusOK, SLOPassed: &no,
		Steps: []results.Step{mkStep(0, 100, 10, 1000, true, true), mkStep(1, 200, 400, 2000, true, false)},
	}}}
	if rv := runView(run, "", nil); rv.Decided {
		t.Errorf("Decided = true with the SLO failed at the top load; headline %q", rv.Headline)
	}
}

// A failed target is never crowned, even beside a working one with a
// higher p99; a zero-request step has a reason (issue 10, finding 13).
func TestFailedTargetNeverWins(t *testing.T) {
	run := &results.Run{SLO: &results.SLO{P99Ms: 50, ErrorRate: 0.01}, Targets: []results.Target{
		{Name: "down", Status: results.StatusFailed, Error: "health check failed", Steps: []results.Step{mkStep(0, 100, 0.1, 1000, true, true)}},
		{Name: "up", Status: results.StatusOK, Steps: []results.Step{mkStep(0, 100, 5, 1000, true, true)}},
		{Name: "empty", Status: results.StatusOK, Steps: []results.Step{mkStep(0, 100, 0, 0, true, false)}},
	}}
	v := Analyze(run)
	if w := v.Levels[0].Winner; w != "up" {
		t.Errorf("winner = %q, want up (down failed, empty measured nothing)", w)
	}
	for _, tv := range v.Targets {
		if tv.Name == "empty" && (!tv.Broke || !strings.Contains(tv.BrokeLabel, "no request completed")) {
			t.Errorf("empty: broke %v label %q; want a reason", tv.Broke, tv.BrokeLabel)
		}
	}
}

// A failed target's log tail keeps its lines in the terminal summary
// (issue 10, finding 17).
func TestSummaryKeepsLogTailLines(t *testing.T) {
	run := &results.Run{Targets: []results.Target{{Name: "mine", Status: results.StatusFailed,
		Error: "did not become ready in 20s; last lines of its log:\nError: Cannot find module 'express'\n    at Module._resolveFilename\nNode.js v20"}}}
	var b strings.Builder
	if err := Summary(&b, run); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FAILED  did not become ready in 20s; last lines of its log:\n", "    | Error: Cannot find module 'express'\n", "    |     at Module._resolveFilename\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestChangeRounds(t *testing.T) {
	for _, tc := range []struct {
		a, b float64
		want string
	}{{1000, 999.99, "0%"}, {100, 112, "+12%"}, {100, 60, "−40%"}, {100, 100.26, "+0.3%"}, {0, 0, "0%"}} {
		if got := change(tc.a, tc.b); got != tc.want {
			t.Errorf("change(%v, %v) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

// A fallback warning is repeated in the headline (issue 10, finding 16).
func TestHeadlineRepeatsFallbacks(t *testing.T) {
	run := &results.Run{Warnings: []string{"fallback: balancer auto: nginx image x unavailable; used the built-in Go balancer", "other"},
		Targets: []results.Target{{Name: "r", Status: results.StatusOK, Steps: []results.Step{mkStep(0, 10, 1, 100, true, true)}}}}
	h := headline(Analyze(run))
	if !strings.Contains(h, "⚠ balancer auto: nginx image x unavailable") || strings.Contains(h, "other") {
		t.Errorf("headline = %q", h)
	}
}
