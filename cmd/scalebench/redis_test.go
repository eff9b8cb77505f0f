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

// runSuite runs a built-in suite with --quick through the CLI (real
// processes and a real redis-server, or with extra args such as --driver
// docker, containers) and returns its targets by name.
func runSuite(t *testing.T, suite string, extra ...string) map[string]results.Target {
	t.Helper()
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", suite, "--quick", "--out", out, "--no-progress"}, extra...)...)
	if code != 0 && code != exitGate {
		t.Fatalf("run %s: exit %d\nstdout:\n%s\nstderr:\n%s", suite, code, stdout, stderr)
	}
	run := readRun(t, out)
	got := map[string]results.Target{}
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK || len(tr.Steps) == 0 {
			t.Fatalf("%s/%s: status %q (%s), %d steps; want ok (is redis-server installed? apt-get install -y redis-server)", suite, tr.Name, tr.Status, tr.Error, len(tr.Steps))
		}
		got[tr.Name] = tr
	}
	return got
}

func top(tr results.Target) results.Step { return tr.Steps[len(tr.Steps)-1] }

// hitRatio is the step's cache hit ratio (0 without one).
func hitRatio(s results.Step) float64 {
	if s.Cache == nil || s.Cache.HitRatio == nil {
		return 0
	}
	return *s.Cache.HitRatio
}

// jobE2EP99 is the step's job end-to-end p99 (0 without a queue section).
func jobE2EP99(s results.Step) float64 {
	if s.Queue == nil {
		return 0
	}
	return s.Queue.E2E.P99
}

// TestCacheSuite: on a slow database the cache holds the top rate that
// the database alone cannot, with most reads served from Redis.
func TestCacheSuite(t *testing.T) {
	checkCacheLesson(t, runSuite(t, "cache"))
}

// checkCacheLesson asserts the cache suite's lesson on its targets.
func checkCacheLesson(t *testing.T, got map[string]results.Target) {
	t.Helper()
	nc, c := top(got["nocache"]), top(got["cached"])
	if nc.Cache == nil || c.Cache == nil {
		t.Fatalf("cache sections nocache %v, cached %v; want both", nc.Cache, c.Cache)
	}
	t.Logf("top step %g req/s: nocache %.1f/s p99 %.1f ms; cached %.1f/s p99 %.1f ms hit ratio %.2f, db calls %.0f/s",
		c.OfferedRate, nc.Throughput, nc.Latency.P99, c.Throughput, c.Latency.P99, hitRatio(c), c.Cache.DBCallsPerS)
	if c.Throughput <= nc.Throughput || c.Latency.P99 >= nc.Latency.P99 {
		t.Errorf("cached throughput %.1f, p99 %.1f ms; want above nocache's %.1f and below its %.1f ms", c.Throughput, c.Latency.P99, nc.Throughput, nc.Latency.P99)
	}
	if r := hitRatio(c); r <= 0.5 {
		t.Errorf("cached hit ratio %v, want > 0.5", r)
	}
	if c.Cache.DBCallsPerS >= nc.Cache.DBCallsPerS {
		t.Errorf("db calls/s cached %v, nocache %v; want fewer with the cache", c.Cache.DBCallsPerS, nc.Cache.DBCallsPerS)
	}
	if nc.Cache.DBWaitMs.P99 <= c.Cache.DBWaitMs.P99 {
		t.Errorf("db connection wait p99 nocache %v ms, cached %v ms; want nocache's longer", nc.Cache.DBWaitMs.P99, c.Cache.DBWaitMs.P99)
	}
}

// TestQueueSuite: the queue keeps the API fast where doing the work in the
// request does not, and every accepted job is completed.
func TestQueueSuite(t *testing.T) {
	checkQueueLesson(t, runSuite(t, "queue"))
}

// checkQueueLesson asserts the queue suite's lesson on its targets.
func checkQueueLesson(t *testing.T, got map[string]results.Target) {
	t.Helper()
	s, q := top(got["sync"]), top(got["queue"])
	t.Logf("top step %g req/s: sync p99 %.1f ms; queue API p99 %.1f ms, job e2e p99 %.1f ms", q.OfferedRate, s.Latency.P99, q.Latency.P99, jobE2EP99(q))
	if q.Latency.P99*5 > s.Latency.P99 {
		t.Errorf("queue API p99 %.1f ms, sync p99 %.1f ms; want the queue's at least 5× lower", q.Latency.P99, s.Latency.P99)
	}
	if q.Queue == nil || q.Queue.Accepted == 0 || len(q.Queue.Depth) == 0 {
		t.Errorf("queue step stats %+v, want accepted jobs and a depth timeline", q.Queue)
	}
	jobs := got["queue"].Jobs
	if jobs == nil {
		t.Fatal("queue target has no job accounting")
	}
	if jobs.Accepted == 0 || jobs.Accepted != jobs.Completed || jobs.Missing != 0 || !jobs.Drained || jobs.AcceptedByClient != jobs.Accepted {
		t.Errorf("jobs %+v, want accepted == completed == accepted by client > 0, none missing, drained", *jobs)
	}
	if got["sync"].Jobs != nil {
		t.Errorf("sync has job accounting %+v, want none", got["sync"].Jobs)
	}
}

// TestSessionsSuite: behind 2 round-robin replicas, memory sessions fail
// GET /me whenever it lands on the other replica; Redis sessions never
// do. How often that is depends on how flows interleave: about half the
// time when many overlap, every time when they do not (strict round robin
// then sends each login to one replica and each /me to the other).
func TestSessionsSuite(t *testing.T) {
	checkSessionsLesson(t, runSuite(t, "sessions"))
}

// checkSessionsLesson asserts the sessions suite's lesson on its targets.
func checkSessionsLesson(t *testing.T, got map[string]results.Target) {
	t.Helper()
	for _, st := range got["sessions-memory"].Steps {
		if r := st.Extra["flow_me_error_rate"]; r < 0.3 {
			t.Errorf("sessions-memory at %g flows/s: GET /me error rate %v, want ≥ (replicas-1)/replicas - 0.2 = 0.3", st.OfferedRate, r)
		}
		if st.Flows[0].Steps[1].ErrorsByKind["status_401"] != st.Flows[0].Steps[1].Errors {
			t.Errorf("sessions-memory GET /me errors by kind %v, want all 401", st.Flows[0].Steps[1].ErrorsByKind)
		}
		if r := st.Extra["flow_login_error_rate"]; r != 0 {
			t.Errorf("sessions-memory: login error rate %v, want 0", r)
		}
	}
	for _, st := range got["sessions-redis"].Steps {
		if r := st.Extra["flow_me_error_rate"]; r > 0.01 {
			t.Errorf("sessions-redis at %g flows/s: GET /me error rate %v, want ≈ 0", st.OfferedRate, r)
		}
		if len(st.Flows) != 1 || len(st.Flows[0].Steps) != 2 || st.Flows[0].Steps[1].Requests == 0 {
			t.Errorf("sessions-redis flows %+v, want one flow with 2 steps and GET /me requests", st.Flows)
		}
	}
}

// TestRedisKilledMidRun kills the cache's redis-server during the step:
// the errors are recorded, the run completes on time, and the target says
// what happened.
func TestRedisKilledMidRun(t *testing.T) {
	out := t.TempDir()
	done := make(chan int, 1)
	start := time.Now()
	var stdout string
	go func() {
		code, so, _ := runCLI(t, "run", "testdata/redis-kill.yaml", "--out", out, "--no-progress")
		stdout = so
		done <- code
	}()
	pid := waitChild(t, "redis-server", 30*time.Second)
	time.Sleep(2 * time.Second)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("run did not end within 40 s of killing Redis")
	}
	t.Logf("run took %v, exit %d", time.Since(start).Round(time.Millisecond), code)
	run := readRun(t, out)
	if run.Status != results.RunCompleted || len(run.Targets) != 1 {
		t.Fatalf("run status %q with %d targets, want completed with 1", run.Status, len(run.Targets))
	}
	tr := run.Targets[0]
	if len(tr.Steps) != 1 || tr.Steps[0].Errors == 0 {
		t.Fatalf("steps %d, errors %v; want one step with errors recorded", len(tr.Steps), tr.Steps)
	}
	s := tr.Steps[0]
	if s.Cache == nil || s.Cache.Errors == 0 || s.Errors == s.Requests {
		t.Errorf("requests %d, errors %d, cache %+v; want some served before the kill and Redis errors after", s.Requests, s.Errors, s.Cache)
	}
	if !strings.Contains(strings.Join(tr.Warnings, "\n"), "Redis died mid-run") {
		t.Errorf("target warnings %q, want one saying Redis died mid-run", tr.Warnings)
	}
	if !strings.Contains(stdout, "Redis died") {
		t.Errorf("terminal summary does not say Redis died:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Errorf("report not rendered: %v", err)
	}
}

// waitChild returns the pid of the first child process whose command line
// contains name (and is not a --version query).
func waitChild(t *testing.T, name string, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, pid := range children() {
			cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			// Not `redis-server --version` (the driver asks it for the
			// environment): a server.
			if strings.Contains(string(cmd), name) && !strings.Contains(string(cmd), "--version") {
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s process started", name)
	return 0
}
