package main

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/docker"
)

// TestQuickstartSwarmLeavesNothing runs quickstart --quick under the swarm
// driver (a single-node swarm, made for the run when the engine is not in
// one, and left after it) and checks that every target ran as services,
// that no service, container or network of the run is left, and that the
// engine's swarm state is as it was found.
func TestQuickstartSwarmLeavesNothing(t *testing.T) {
	dockerArgs(t) // the engine and the offline images, with their variables set
	_, leftNothing := swarmEngine(t)
	out := t.TempDir()
	start := time.Now()
	runCLIGated(t, "run", "quickstart", "--quick", "--out", out, "--no-progress", "--driver", "swarm")
	t.Logf("quickstart --quick under swarm took %v", time.Since(start).Round(time.Millisecond))
	run := readRun(t, out)
	if run.Environment.Driver != "swarm" || !run.Environment.CPUBudgetEnforced {
		t.Errorf("environment driver %q, budget enforced %v; want swarm, enforced", run.Environment.Driver, run.Environment.CPUBudgetEnforced)
	}
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK || tr.Deployment.Driver != "swarm" || len(tr.Steps) == 0 {
			t.Errorf("target %s: status %q (%s), driver %q, %d steps; want ok under swarm", tr.Name, tr.Status, tr.Error, tr.Deployment.Driver, len(tr.Steps))
		}
		if tr.Name == "replicas" && len(tr.Steps) > 0 && len(tr.Steps[0].Instances) != 2 {
			t.Errorf("replicas: instances serving %v, want 2", tr.Steps[0].Instances)
		}
	}
	checkNothingLeft(t, run.ID)
	leftNothing(run.ID)
}

// swarmEngine connects to the Docker engine and notes its swarm state;
// leftNothing fails the test if services of the run are left or the
// swarm state is not as found.
func swarmEngine(t *testing.T) (cli *client.Client, leftNothing func(runID string)) {
	t.Helper()
	ctx := context.Background()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	before, err := cli.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cli, func(runID string) {
		t.Helper()
		svcs, err := cli.ServiceList(ctx, types.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", docker.LabelRun+"="+runID))})
		if err == nil && len(svcs) > 0 {
			t.Errorf("%d services of run %s left behind", len(svcs), runID)
		}
		after, err := cli.Info(ctx)
		if err != nil || after.Swarm.LocalNodeState != before.Swarm.LocalNodeState {
			t.Errorf("swarm state after the run %v (%v), want %v as found", after.Swarm.LocalNodeState, err, before.Swarm.LocalNodeState)
		}
	}
}
