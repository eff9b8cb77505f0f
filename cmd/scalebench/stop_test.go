package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// An interrupted run that does not stop within the grace period exits
// anyway, saying so: "interrupted" always means the run stops (issue 10,
// finding 8). The test binary plays a stuck scalebench (see TestMain).
func TestInterruptThatDoesNotStopExits(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run", "^$")
	cmd.Env = append(os.Environ(), "SCALEBENCH_TEST_STOP_OR_EXIT=1")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitRuntime {
		t.Fatalf("stuck run: err %v, output %s; want exit %d", err, out, exitRuntime)
	}
	if !strings.Contains(string(out), "did not stop within 100ms of the interrupt; exiting now") {
		t.Errorf("output = %q, want the reason", out)
	}
}
