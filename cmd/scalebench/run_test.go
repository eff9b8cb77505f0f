package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
)

// A real run of a one-target scenario through the CLI: results.json, the
// reports and the summary are all there and say what happened.
func TestRunEndToEnd(t *testing.T) {
	out := t.TempDir()
	stdout, _ := mustRunCLI(t, "run", "testdata/tiny.yaml", "--out", out, "--no-progress")
	run := readRun(t, out)
	if run.Status != results.RunCompleted || len(run.Targets) != 1 || len(run.Targets[0].Steps) != 2 {
		t.Fatalf("run = status %q, %d targets; want completed with one target of 2 steps", run.Status, len(run.Targets))
	}
	tr := run.Targets[0]
	if tr.Status != results.StatusOK || tr.SLOPassed == nil {
		t.Errorf("target status %q (%s), slo_passed %v; want ok with an SLO verdict", tr.Status, tr.Error, tr.SLOPassed)
	}
	for _, s := range tr.Steps {
		if s.Requests == 0 || s.Latency.P99 <= 0 || s.Instances["instance-1"] == 0 {
			t.Errorf("step %d: requests %d, p99 %v, instances %v; want measured", s.Index, s.Requests, s.Latency.P99, s.Instances)
		}
	}
	for _, f := range []string{"report.html", "summary.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if !strings.Contains(stdout, "Verdict") || !strings.Contains(stdout, "single") {
		t.Errorf("summary lacks the verdict:\n%s", stdout)
	}
}

// Ctrl-C mid-run: the CLI exits within 5 s with code 1, results.json says
// "interrupted", and no process the run started is left.
func TestRunInterrupt(t *testing.T) {
	out := t.TempDir()
	interruptRun(t, out, 5*time.Second, func() bool { return len(children()) > 0 })
	if left := children(); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
}

// interruptRun runs testdata/slow.yaml into out, sends SIGINT once started
// reports load is flowing, and checks the exit (code 1 within limit) and
// the results (first target interrupted, second skipped). It returns the
// run id.
func interruptRun(t *testing.T, out string, limit time.Duration, started func() bool, args ...string) string {
	t.Helper()
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, append([]string{"run", "testdata/slow.yaml", "--out", out, "--no-progress"}, args...)...)
		done <- code
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !started() {
		if time.Now().After(deadline) {
			t.Fatal("the first target did not start within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	sent := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if took := time.Since(sent); took > limit {
			t.Errorf("exit took %v after SIGINT, want ≤ %v", took, limit)
		}
		if code != exitRuntime {
			t.Errorf("exit code %d, want %d", code, exitRuntime)
		}
	case <-time.After(limit + 30*time.Second):
		t.Fatalf("run did not return within %v of SIGINT", limit+30*time.Second)
	}
	run := readRun(t, out)
	if run.Status != results.RunInterrupted {
		t.Errorf("run status %q, want interrupted", run.Status)
	}
	if len(run.Targets) != 2 || run.Targets[0].Status != results.StatusInterrupted || run.Targets[1].Status != results.StatusSkipped {
		t.Errorf("targets = %+v, want first interrupted and second skipped", run.Targets)
	}
	return run.ID
}

// children lists the pids of live processes whose parent is this test
// process, leaving out runs' guards (`reap`, see targets/reaper).
func children() []int {
	self := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses: state ppid …
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[0] != "Z" && fields[1] == strconv.Itoa(self) && !isGuard(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// isGuard reports whether pid runs `… reap RECORD`, a run's guard.
func isGuard(pid int) bool {
	cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	args := strings.Split(string(cmd), "\x00")
	return len(args) > 1 && args[1] == "reap"
}

// run --baseline --gate, end to end with a real (quick) run against a
// results fixture: the comparison is printed, written beside results.json
// (compare.md, compare.json, junit.xml) and shown in report.html and
// summary.md. The fixture is 100× slower than the reference app, so
// nothing regresses and the gate passes whatever the machine's noise.
func TestRunBaseline(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "testdata/tiny-noslo.yaml", "--quick", "--out", out, "--no-progress",
		"--baseline", "../../fixtures/results/compare/tiny-slow-baseline.json", "--gate")
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"base: 20261130-020000-tiny", "cpu_per_request", "comparison: " + filepath.Join(out, "compare.md")} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "significant regression(s)") {
		t.Errorf("a regression against a 100× slower baseline:\n%s", stdout)
	}
	for file, want := range map[string]string{
		"compare.md":   "Comparison with the baseline",
		"compare.json": `"base": {`,
		"junit.xml":    `<testcase classname="scalebench.compare.single" name="p99 at 50 req/s">`,
		"report.html":  "Against the baseline",
		"summary.md":   "Comparison with the baseline",
	} {
		data, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Errorf("%s not written: %v", file, err)
			continue
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q", file, want)
		}
	}
}

// A baseline that cannot be read stops run before anything starts (exit 2).
func TestRunBaselineMissing(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--out", t.TempDir(), "--baseline", "no/such/results.json")
	if code != exitUsage || !strings.Contains(stderr, "--baseline: scenario tiny") {
		t.Errorf("exit %d, stderr %q; want 2 naming the baseline", code, stderr)
	}
}
