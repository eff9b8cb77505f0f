package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/pgroup"
	"github.com/scalebench/scalebench/targets/reaper"
)

// cliEnv makes the test binary act as the whole scalebench binary (see
// TestMain), so a test can run it as a separate process and kill it.
const cliEnv = "SCALEBENCH_TEST_CLI"

// startCLI starts this test binary as `scalebench ARGS…` with its own
// state folder; its stdout and stderr go to out.
func startCLI(t *testing.T, state string, out *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), cliEnv+"=1", reaper.EnvStateDir+"="+state, "SCALEBENCH_SERVE_EXE="+exe)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// waitRecord waits until the only run record in state lists at least n
// process groups (or, with n = 0, exists) and returns it.
func waitRecord(t *testing.T, state string, n int, within time.Duration) reaper.Record {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(state, "*.json"))
		if len(paths) == 1 {
			var r reaper.Record
			if b, err := os.ReadFile(paths[0]); err == nil && json.Unmarshal(b, &r) == nil && r.RunID != "" && len(r.Groups) >= n {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no run record with %d process groups in %s within %v", n, state, within)
	return reaper.Record{}
}

// listening reports whether something accepts connections on 127.0.0.1:port.
func listening(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// leftovers lists what of rec still runs (live members of its groups, by
// the pids seen before the kill) or listens (its ports).
func leftovers(rec reaper.Record, pids map[int]string) []string {
	var out []string
	for pid, start := range pids {
		if pgroup.StartTime(pid) == start {
			cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			out = append(out, "pid "+strconv.Itoa(pid)+" ("+strings.ReplaceAll(string(cmd), "\x00", " ")+")")
		}
	}
	for _, g := range rec.Groups {
		if g.Port > 0 && listening(g.Port) {
			out = append(out, g.Name+" port "+strconv.Itoa(g.Port)+" listening")
		}
	}
	slices.Sort(out)
	return out
}

// members maps every live process of rec's groups to its start time.
func members(rec reaper.Record) map[int]string {
	out := map[int]string{}
	for _, g := range rec.Groups {
		for _, pid := range pgroup.Members(g.PID) {
			out[pid] = pgroup.StartTime(pid)
		}
	}
	return out
}

// waitNothingLeft fails unless nothing of rec runs or listens within 8 s.
func waitNothingLeft(t *testing.T, rec reaper.Record, pids map[int]string) {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for left := leftovers(rec, pids); len(left) > 0; left = leftovers(rec, pids) {
		if time.Now().After(deadline) {
			t.Fatalf("8 s after kill -9 of scalebench, still there: %v", left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkAbandoned runs `scalebench clean` and checks that it reports run id
// and that its results say "abandoned", with target interrupted.
func checkAbandoned(t *testing.T, state, id, dir, target string) {
	t.Helper()
	t.Setenv(reaper.EnvStateDir, state)
	code, stdout, stderr := runCLI(t, "clean")
	if code != 0 || !strings.Contains(stdout, "cleaned up after abandoned run "+id) {
		t.Errorf("clean: exit %d, stdout %q, stderr %q; want it to report run %s", code, stdout, stderr, id)
	}
	run := readRun(t, dir)
	if run.Status != results.RunAbandoned {
		t.Errorf("results.json status %q, want %q", run.Status, results.RunAbandoned)
	}
	if n := len(run.Targets); n == 0 || run.Targets[n-1].Name != target || run.Targets[n-1].Status != results.StatusInterrupted {
		t.Errorf("results.json targets %+v, want %s last, interrupted", run.Targets, target)
	}
	if paths, _ := filepath.Glob(filepath.Join(state, "*.json")); len(paths) > 0 {
		t.Errorf("records left after clean: %v", paths)
	}
}

// kill -9 of `scalebench run` mid-step leaves nothing running or
// listening a few seconds later — nginx's worker, Redis, the app
// instances, the real server behind `sh -c` — and `clean` reports the run
// and marks it abandoned.
func TestKill9LeavesNothing(t *testing.T) {
	for _, tt := range []struct {
		scenario, target string
		groups           int // nginx + 2 instances; + redis; sh
	}{
		{"testdata/kill9.yaml", "replicas", 3},
		{"testdata/kill9.yaml", "cached", 4},
		{"testdata/kill9.yaml", "wrapped", 1},
		// WebSocket rooms across replicas over Redis pub/sub, with CPU
		// budgets (cgroups): the issue's `websocket --target replicas-redis`.
		{"websocket", "replicas-redis", 4},
	} {
		t.Run(tt.target, func(t *testing.T) {
			state, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
			var log bytes.Buffer
			cmd := startCLI(t, state, &log, "run", tt.scenario, "--target", tt.target, "--out", out, "--no-progress")
			rec := waitRecord(t, state, tt.groups, 30*time.Second)
			waitListening(t, rec, 10*time.Second)
			time.Sleep(500 * time.Millisecond) // load flowing
			pids := members(rec)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			waitNothingLeft(t, rec, pids)
			t.Logf("%d process groups, %d cgroups recorded", len(rec.Groups), len(rec.Cgroups))
			for _, dir := range rec.Cgroups {
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("cgroup %s of the killed run still exists", dir)
				}
			}
			checkAbandoned(t, state, rec.RunID, out, tt.target)
			if t.Failed() {
				t.Logf("scalebench output:\n%s", log.String())
			}
		})
	}
}

// waitListening waits until every port of rec accepts connections.
func waitListening(t *testing.T, rec reaper.Record, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, g := range rec.Groups {
		for g.Port > 0 && !listening(g.Port) {
			if time.Now().After(deadline) {
				t.Fatalf("%s is not listening on port %d", g.Name, g.Port)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// kill -9 of scalebench and of its guard together: the server behind
// `sh -c` survives (nothing is left to stop it), and the next run stops
// it, says so and marks the dead run abandoned.
func TestKill9GuardToo(t *testing.T) {
	state, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	var log bytes.Buffer
	cmd := startCLI(t, state, &log, "run", "testdata/kill9.yaml", "--target", "wrapped", "--out", out, "--no-progress")
	rec := waitRecord(t, state, 1, 30*time.Second)
	waitListening(t, rec, 10*time.Second)
	pids := members(rec)
	_ = syscall.Kill(rec.Guard.PID, syscall.SIGKILL)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	time.Sleep(time.Second)
	if left := leftovers(rec, pids); len(left) == 0 {
		t.Fatalf("nothing survived the kill of scalebench and its guard; this test wants the server behind sh -c to survive")
	}
	t.Setenv(reaper.EnvStateDir, state)
	code, stdout, _ := runCLI(t, "clean", "--dry-run")
	if code != 0 || !strings.Contains(stdout, "would clean up after run "+rec.RunID) || !strings.Contains(stdout, "wrapped/instance-1") {
		t.Errorf("clean --dry-run: exit %d, stdout %q; want the run and its server listed", code, stdout)
	}
	if left := leftovers(rec, pids); len(left) == 0 {
		t.Fatalf("clean --dry-run stopped the server")
	}
	next := t.TempDir()
	code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--out", next, "--no-progress")
	if code != 0 {
		t.Fatalf("next run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "cleaned up after an abandoned run "+rec.RunID) || !strings.Contains(stderr, "wrapped/instance-1") {
		t.Errorf("next run's stderr does not say what it cleaned:\n%s", stderr)
	}
	if left := leftovers(rec, pids); len(left) > 0 {
		t.Errorf("after the next run, still there: %v", left)
	}
	run := readRun(t, next)
	if !slices.ContainsFunc(run.Warnings, func(w string) bool { return strings.Contains(w, rec.RunID) }) {
		t.Errorf("next run's warnings %q do not mention the abandoned run", run.Warnings)
	}
	if dead, err := results.Read(out); err != nil || dead.Status != results.RunAbandoned {
		t.Errorf("dead run: %v, status %q; want abandoned", err, dead.Status)
	}
}

// kill -9 under the docker driver: the guard removes the run's containers
// and network within seconds.
func TestKill9Docker(t *testing.T) {
	args := dockerArgs(t)
	state, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	var log bytes.Buffer
	cmd := startCLI(t, state, &log, append([]string{"run", "testdata/kill9.yaml", "--target", "cached", "--out", out, "--no-progress"}, args...)...)
	rec := waitRecord(t, state, 0, 30*time.Second)
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		cs, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {docker.LabelRun + "=" + rec.RunID}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count() < 4 { // redis, 2 instances, nginx
		if time.Now().After(deadline) {
			t.Fatalf("containers of run %s did not start:\n%s", rec.RunID, log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline = time.Now().Add(15 * time.Second)
	for count() > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	checkNothingLeft(t, rec.RunID)
	checkAbandoned(t, state, rec.RunID, out, "cached")
	if t.Failed() {
		t.Logf("scalebench output:\n%s", log.String())
	}
}
