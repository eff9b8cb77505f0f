package docker

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/results"
)

func newEnv() *results.Environment { return &results.Environment{} }

// leftover creates what a crashed run leaves: a network and a running
// container labelled with a run whose scalebench process is gone.
func leftover(t *testing.T, runID, pid, pidStart string) (container, network string) {
	t.Helper()
	host, _ := os.Hostname()
	labels := map[string]string{LabelScalebench: "1", LabelRun: runID, LabelHost: host, LabelPID: pid, LabelPIDStart: pidStart}
	n, err := testPool.Client.CreateNetwork(dc.CreateNetworkOptions{Name: "sb-" + runID, Labels: labels})
	if err != nil {
		t.Fatalf("create network: %v", err)
	}
	img, err := AppImage(context.Background(), testPool, "scalebench/app-test", testBinary)
	if err != nil {
		t.Fatalf("AppImage: %v", err)
	}
	c, err := testPool.Client.CreateContainer(dc.CreateContainerOptions{
		Name:       "sb-" + runID + "-app",
		Config:     &dc.Config{Image: img, Labels: labels},
		HostConfig: &dc.HostConfig{NetworkMode: n.Name},
	})
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	if err := testPool.Client.StartContainer(c.ID, nil); err != nil {
		t.Fatalf("start container: %v", err)
	}
	t.Cleanup(func() {
		_ = testPool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true})
		_ = testPool.Client.RemoveNetwork(n.ID)
	})
	return "sb-" + runID + "-app", "sb-" + runID
}

func TestCleanRemovesDeadRunsOnly(t *testing.T) {
	needEngine(t)
	ctx := context.Background()
	// A crashed run: its pid is not running (a pid start time that cannot match).
	deadC, deadN := leftover(t, "test-crashed", strconv.Itoa(os.Getpid()), "1")
	// A live run: this very process.
	liveC, liveN := leftover(t, "test-alive", strconv.Itoa(os.Getpid()), pidStart(os.Getpid()))

	got, err := Clean(ctx, testPool, CleanOptions{DryRun: true})
	if err != nil {
		t.Fatalf("Clean(dry run): %v", err)
	}
	if !slices.Contains(got.Containers, deadC) || slices.Contains(got.Containers, liveC) {
		t.Errorf("Clean(dry run).Containers = %v, want %s and not %s", got.Containers, deadC, liveC)
	}
	got, err = Clean(ctx, testPool, CleanOptions{})
	if err != nil {
		t.Fatalf("Clean: %v", err)
	}
	if !slices.Contains(got.Containers, deadC) || !slices.Contains(got.Networks, deadN) {
		t.Errorf("Clean() = %+v, want it to remove %s and %s", got, deadC, deadN)
	}
	if slices.Contains(got.Containers, liveC) || slices.Contains(got.Networks, liveN) {
		t.Errorf("Clean() = %+v, removed the live run's %s / %s", got, liveC, liveN)
	}
	assertNothingLeft(t, "test-crashed")
	if _, err := testPool.Client.InspectContainer(liveC); err != nil {
		t.Errorf("live run's container %s: %v, want it kept", liveC, err)
	}
}

func TestAlive(t *testing.T) {
	needEngine(t)
	self := strconv.Itoa(os.Getpid())
	tests := []struct {
		pid, start string
		want       bool
	}{
		{self, pidStart(os.Getpid()), true},
		{self, "", true},
		{self, "1", false}, // pid reused by another process
		{"0", "", false},
		{"not-a-pid", "", false},
		{"999999999", "", false},
	}
	for _, tt := range tests {
		if got := alive(tt.pid, tt.start); got != tt.want {
			t.Errorf("alive(%q, %q) = %v, want %v", tt.pid, tt.start, got, tt.want)
		}
	}
}
