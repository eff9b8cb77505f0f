package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/results"
)

// TestMain lets the test binary stand in for the scalebench binary: the
// process driver starts os.Executable() with `serve` or `balance`.
func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		// Started by startCLI: be the whole scalebench binary.
		os.Exit(exitCode(run(append([]string{"scalebench"}, os.Args[1:]...), os.Stdout, os.Stderr), os.Stderr))
	}
	if os.Getenv("SCALEBENCH_TEST_STOP_OR_EXIT") == "1" { // see TestInterruptThatDoesNotStopExits
		stopGrace = 100 * time.Millisecond
		stopOrExit(make(chan struct{}), os.Stderr)
		os.Exit(0) // not reached: stopOrExit exits
	}
	if len(os.Args) > 1 && slices.Contains([]string{"serve", "balance", "worker", "reap", "agent"}, os.Args[1]) {
		os.Exit(exitCode(run(append([]string{"scalebench"}, os.Args[1:]...), os.Stdout, os.Stderr), os.Stderr))
	}
	os.Exit(m.Run())
}

// cli runs the command line and returns the exit code and outputs.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = exitCode(run(append([]string{"scalebench"}, args...), &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

// mustRunCLI runs the command line and fails the test unless it exits 0;
// it returns the outputs.
func mustRunCLI(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", args[0], code, stdout, stderr)
	}
	return stdout, stderr
}

// runCLIGated is mustRunCLI for a run that may also fail its gate (exit
// 3: a verdict the test does not judge).
func runCLIGated(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 && code != exitGate {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", args[0], code, stdout, stderr)
	}
	return stdout, stderr
}

// readRun reads the results of the run in out, failing the test if it
// cannot.
func readRun(t *testing.T, out string) *results.Run {
	t.Helper()
	run, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// onlyTarget returns the one target of run, failing the test unless run
// has exactly one target and it has steps steps.
func onlyTarget(t *testing.T, run *results.Run, steps int) results.Target {
	t.Helper()
	if len(run.Targets) != 1 || len(run.Targets[0].Steps) != steps {
		t.Fatalf("want one target with %d steps, got %+v", steps, run.Targets)
	}
	return run.Targets[0]
}

func TestValidate(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"validate", "quickstart"}, 0, ""},
		{[]string{"validate", "testdata/tiny.yaml"}, 0, ""},
		{[]string{"validate", "../../fixtures/scenarios/invalid/bad-balancer-policy.yaml"}, 2, "bad-balancer-policy.yaml:"},
		{[]string{"validate", "no-such-suite"}, 2, "no-such-suite"},
		{[]string{"validate"}, 2, "name at least one scenario"},
		{[]string{"validate", "--bogus", "quickstart"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d, stderr containing %q", code, stderr, tt.wantCode, tt.wantErr)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stderr has a stack trace: %s", stderr)
			}
		})
	}
}

// Every invalid fixture exits 2 with file:line: messages and no panic.
func TestRunInvalidScenarios(t *testing.T) {
	files, err := filepath.Glob("../../fixtures/scenarios/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid fixtures: %v", err)
	}
	for _, f := range files {
		code, _, stderr := runCLI(t, "run", "--no-progress", f)
		if code != exitUsage || !strings.Contains(stderr, filepath.Base(f)+":") {
			t.Errorf("run %s: exit %d, stderr %q; want exit 2 naming the file", f, code, stderr)
		}
	}
}

func TestRunUnknownTarget(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--target", "nope")
	if code != exitUsage || !strings.Contains(stderr, `--target "nope": no such target`) {
		t.Errorf("exit %d, stderr %q; want exit 2 and the unknown target named", code, stderr)
	}
}

func TestTargetsLists(t *testing.T) {
	code, out, _ := runCLI(t, "targets")
	for _, want := range []string{"single", "cluster", "replicas", "command", "url"} {
		if !strings.Contains(out, want) {
			t.Errorf("targets output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > targetsWidth {
			t.Errorf("targets prints a %d-character line: %s", n, l)
		}
	}
}

func TestInterspersed(t *testing.T) {
	app := &cli.App{Commands: []*cli.Command{runCommand()}}
	tests := []struct{ in, want []string }{
		{[]string{"sb", "run", "quickstart", "--quick"}, []string{"sb", "run", "--quick", "quickstart"}},
		{[]string{"sb", "run", "a.yaml", "--out", "x", "b.yaml"}, []string{"sb", "run", "--out", "x", "a.yaml", "b.yaml"}},
		{[]string{"sb", "run", "a.yaml", "--out=x"}, []string{"sb", "run", "--out=x", "a.yaml"}},
		{[]string{"sb", "run", "a", "--", "--quick"}, []string{"sb", "run", "a", "--", "--quick"}},
		{[]string{"sb", "--help"}, []string{"sb", "--help"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(interspersed(app, tt.in), tt.want); diff != "" {
			t.Errorf("interspersed(%q) (-got +want):\n%s", tt.in, diff)
		}
	}
}
