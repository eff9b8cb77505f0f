package report

import (
	"context"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// A run whose only target has no steps (it failed to start, or Ctrl-C came
// during start-up) still renders: no chart may panic on empty data.
func TestRenderTargetWithoutSteps(t *testing.T) {
	run := &results.Run{
		SchemaVersion: results.SchemaVersion, ID: "empty", Scenario: "empty", Model: "open", Status: results.RunInterrupted,
		Environment: results.Environment{Driver: "process", CPUs: 2},
		Targets: []results.Target{
			{Name: "a", Topology: "single", Status: results.StatusInterrupted, Error: "interrupted during start-up", Steps: []results.Step{}},
			{Name: "b", Topology: "cluster", Status: results.StatusSkipped},
		},
	}
	files, err := Render(context.Background(), t.TempDir(), []*results.Run{run})
	if err != nil || len(files) == 0 {
		t.Fatalf("Render() = %v, %v; want files and no error", files, err)
	}
}
