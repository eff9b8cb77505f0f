package main

import (
	"context"
	"math"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/docker"
)

// run --generators 2: two agent processes send the load; every step's
// counts are the sum of the agents', its histogram holds every request,
// the SLO is judged on the merged figures, and no agent is left running.
func TestRunGenerators(t *testing.T) {
	out := t.TempDir()
	runCLIGated(t, "run", "testdata/tiny.yaml", "--out", out, "--no-progress", "--quick", "--generators", "2")
	checkMerged(t, out, 2)
	if left := children(); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// The same with the agents in Docker containers of the app image on the
// host network; no container of the run is left.
func TestRunGeneratorsDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the app image; skipped with -short")
	}
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		t.Fatalf("%v\nthis test needs a running Docker engine: install docker.io and start it (service docker start)", err)
	}
	out := t.TempDir()
	runCLIGated(t, "run", "testdata/tiny.yaml", "--out", out, "--no-progress", "--quick", "--generators", "2", "--agents-in", "docker")
	run := checkMerged(t, out, 2)
	left, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {"scalebench.run=" + run.ID}}})
	if err != nil || len(left) > 0 {
		t.Errorf("containers left behind: %v (%v)", left, err)
	}
}

// checkMerged reads the run in out and checks every step was merged from
// n agents exactly.
func checkMerged(t *testing.T, out string, n int) *results.Run {
	t.Helper()
	run := readRun(t, out)
	tr := onlyTarget(t, run, 2)
	for _, s := range tr.Steps {
		if len(s.Agents) != n {
			t.Fatalf("step %d: %d agents, want %d (warnings %v)", s.Index, len(s.Agents), n, s.Warnings)
		}
		var req, errs uint64
		var offered float64
		for _, a := range s.Agents {
			req += a.Requests
			errs += a.Errors
			offered += a.OfferedRate
		}
		if req == 0 || s.Requests != req || s.Errors != errs || s.Scheduled != s.Requests+s.Unsent {
			t.Errorf("step %d: requests %d errors %d scheduled %d, agents sum to %d and %d", s.Index, s.Requests, s.Errors, s.Scheduled, req, errs)
		}
		if offered != s.OfferedRate {
			t.Errorf("step %d: offered %v, agents sum to %v", s.Index, s.OfferedRate, offered)
		}
		h, err := results.DecodeHistogram(s.Histograms[load.HistLatency])
		if err != nil || uint64(h.TotalCount()) != s.Requests {
			t.Fatalf("step %d: merged histogram: %v, count %d, want %d", s.Index, err, h.TotalCount(), s.Requests)
		}
		// The merged p99 is the merged histogram's, clamped to the exact max.
		exact := results.Exact{N: s.Requests, MinUs: int64(math.Round(s.Latency.Min * 1000)), MaxUs: int64(math.Round(s.Latency.Max * 1000))}
		if got := results.LatencyOf(h, &exact).P99; got != s.Latency.P99 {
			t.Errorf("step %d: p99 %v is not the merged histogram's %v", s.Index, s.Latency.P99, got)
		}
		meets := s.Latency.P99 <= 200 && s.ErrorRate <= 0.01
		if s.SLOPassed == nil || *s.SLOPassed != meets {
			t.Errorf("step %d: slo_passed %v, merged p99 %v error rate %v", s.Index, s.SLOPassed, s.Latency.P99, s.ErrorRate)
		}
	}
	return run
}

// Ctrl-C during a step sent by agents: the run stops as usual and neither
// the target nor any agent process is left.
func TestRunInterruptGenerators(t *testing.T) {
	out := t.TempDir()
	// Two agents plus the target's instance: three children once load flows.
	interruptRun(t, out, 5*time.Second, func() bool { return len(children()) >= 3 }, "--generators", "2")
	if left := children(); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// The agents as Swarm services (one per agent, host network) with the
// target under --driver swarm: merged as ever, and no service of the run
// nor the swarm the driver made is left.
func TestRunGeneratorsSwarm(t *testing.T) {
	dockerArgs(t)
	_, leftNothing := swarmEngine(t)
	out := t.TempDir()
	runCLIGated(t, "run", "testdata/tiny.yaml", "--out", out, "--no-progress", "--quick", "--driver", "swarm", "--generators", "2", "--agents-in", "swarm")
	run := checkMerged(t, out, 2)
	leftNothing(run.ID)
}

// The scenario's generators: {count: 2} has the same effect as the flag.
func TestRunGeneratorsFromScenario(t *testing.T) {
	out := t.TempDir()
	runCLIGated(t, "run", "testdata/tiny-generators.yaml", "--out", out, "--no-progress", "--quick")
	checkMerged(t, out, 2)
}
