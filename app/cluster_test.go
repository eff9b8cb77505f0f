package app

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestClusterGivesUp checks that a crash-looping worker makes the primary
// give up with an error (so the driver marks the target failed).
func TestClusterGivesUp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := RunCluster(ctx, ClusterOptions{Exe: "/bin/false", Workers: 1, MaxCrashes: 3, Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Errorf("RunCluster(crashing workers) = %v, want it to give up", err)
	}
}

func TestClusterBadWorkers(t *testing.T) {
	if err := RunCluster(context.Background(), ClusterOptions{Workers: 0}); err == nil {
		t.Errorf("RunCluster(0 workers) = nil error, want one")
	}
}
