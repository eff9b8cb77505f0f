package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/reaper"
)

// The results folder deleted after the first target: the second (nginx
// included) still starts, and results.json and the report are written
// again with both targets.
func TestOutDeletedMidRun(t *testing.T) {
	t.Setenv(reaper.EnvStateDir, t.TempDir())
	out := filepath.Join(t.TempDir(), "run with space")
	done := make(chan string, 1)
	go func() {
		code, _, stderr := runCLI(t, "run", "testdata/two.yaml", "--out", out, "--no-progress")
		if code != 0 {
			done <- fmt.Sprintf("exit %d\n%s", code, stderr)
			return
		}
		done <- ""
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if run, err := results.Read(out); err == nil && len(run.Targets) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first target did not finish within 60 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	if msg := <-done; msg != "" {
		t.Fatalf("run failed after its folder was deleted: %s", msg)
	}
	run := readRun(t, out)
	if len(run.Targets) != 2 || run.Targets[1].Status != results.StatusOK || run.Status != results.RunCompleted {
		t.Errorf("run status %q, targets %+v; want completed with the second target ok", run.Status, run.Targets)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Errorf("report.html not written again: %v", err)
	}
}
