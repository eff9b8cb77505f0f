package main

import (
	"context"
	"os"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/docker"
)

// dockerArgs prepares a run under the docker driver with the offline
// images of fixtures/images (nothing can be pulled in CI) and returns the
// CLI arguments selecting it. It fails, saying what to do, when the
// engine or an image is missing.
func dockerArgs(t *testing.T) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("docker driver runs take seconds; skipped with -short")
	}
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		t.Fatalf("%v\nthe docker tests need a running Docker engine: install docker.io and start it (service docker start)", err)
	}
	for env, def := range map[string]string{docker.EnvNginxImage: "scalebench/nginx:ci", docker.EnvRedisImage: "scalebench/redis:ci"} {
		img := os.Getenv(env)
		if img == "" {
			img = def
			t.Setenv(env, img)
		}
		if _, err := pool.Client.InspectImage(img); err != nil {
			t.Fatalf("image %s is missing: build the offline images with `bash fixtures/images/build.sh` (or set %s)", img, env)
		}
	}
	return []string{"--driver", "docker"}
}

// dockerRunOf checks a docker run's results: the driver, images and
// limits are recorded, and nothing of the run is left in the engine.
func dockerRunOf(t *testing.T, targets map[string]results.Target) {
	t.Helper()
	for name, tr := range targets {
		d := tr.Deployment
		if d.Driver != "docker" || d.Images["app"] == "" {
			t.Errorf("%s: deployment driver %q, images %v; want docker with an app image", name, d.Driver, d.Images)
		}
		if d.Images["redis"] != "" && d.Components["redis"] == "" {
			t.Errorf("%s: redis image %s but no redis version in components %v", name, d.Images["redis"], d.Components)
		}
	}
}

// TestCacheSuiteDocker: the cache suite's lesson holds with containers
// (app, Redis with allkeys-lru).
func TestCacheSuiteDocker(t *testing.T) {
	got := runSuite(t, "cache", dockerArgs(t)...)
	dockerRunOf(t, got)
	checkCacheLesson(t, got)
}

// TestQueueSuiteDocker: the queue suite's lesson holds with worker
// containers; the runner reaches the Redis container from the host for
// the queue depth and the job accounting.
func TestQueueSuiteDocker(t *testing.T) {
	got := runSuite(t, "queue", dockerArgs(t)...)
	dockerRunOf(t, got)
	checkQueueLesson(t, got)
}

// TestSessionsSuiteDocker: memory sessions fail across nginx-balanced
// replica containers, Redis sessions do not.
func TestSessionsSuiteDocker(t *testing.T) {
	got := runSuite(t, "sessions", dockerArgs(t)...)
	dockerRunOf(t, got)
	checkSessionsLesson(t, got)
}

// TestWebSocketThreeOutcomesDocker: the WebSocket lesson holds through
// the nginx container's upgrade configuration and a Redis container.
func TestWebSocketThreeOutcomesDocker(t *testing.T) {
	checkThreeOutcomes(t, dockerArgs(t)...)
}

// TestQuickstartDockerLeavesNothing runs quickstart --quick under the
// docker driver and checks that no container or network of the run is
// left (other runs may share the engine, so the check is by run id).
func TestQuickstartDockerLeavesNothing(t *testing.T) {
	args := dockerArgs(t)
	out := t.TempDir()
	start := time.Now()
	runCLIGated(t, append([]string{"run", "quickstart", "--quick", "--out", out, "--no-progress"}, args...)...)
	t.Logf("quickstart --quick under docker took %v", time.Since(start).Round(time.Millisecond))
	run := readRun(t, out)
	if run.Environment.Driver != "docker" || run.Environment.Components["docker"] == "" || !run.Environment.CPUBudgetEnforced {
		t.Errorf("environment driver %q, components %v, budget enforced %v; want docker, its version, enforced",
			run.Environment.Driver, run.Environment.Components, run.Environment.CPUBudgetEnforced)
	}
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK {
			t.Errorf("target %s: status %q (%s), want ok", tr.Name, tr.Status, tr.Error)
		}
	}
	checkNothingLeft(t, run.ID)
}

// checkNothingLeft fails when a container or network of the run is still
// in the engine (other runs may share it, so the check is by run id).
func checkNothingLeft(t *testing.T, runID string) {
	t.Helper()
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	label := docker.LabelRun + "=" + runID
	cs, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {label}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("container %v (%s) of run %s left behind", c.Names, c.State, runID)
	}
	ns, err := pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {label: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		t.Errorf("network %s of run %s left behind", n.Name, runID)
	}
}

// TestRunInterruptDocker: Ctrl-C while containers serve load removes every
// container and network of the run and keeps what was measured.
func TestRunInterruptDocker(t *testing.T) {
	args := dockerArgs(t)
	out := t.TempDir()
	runID := interruptRun(t, out, 15*time.Second, func() bool {
		run, err := results.Read(out)
		if err != nil {
			return false
		}
		pool, err := docker.Connect(context.Background(), "")
		if err != nil {
			return false
		}
		cs, err := pool.Client.ListContainers(dc.ListContainersOptions{Filters: map[string][]string{"label": {docker.LabelRun + "=" + run.ID}}})
		return err == nil && len(cs) > 0
	}, args...)
	checkNothingLeft(t, runID)
}
