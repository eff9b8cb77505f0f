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

// checkAccounting asserts every expected delivery is delivered or missing
// and every received message is delivered, a duplicate or unexpected.
func checkAccounting(t *testing.T, target string, s results.Step) {
	t.Helper()
	w := s.WebSocket
	if w == nil {
		t.Fatalf("%s step %d: no websocket stats", target, s.Index)
	}
	if w.MessagesSent == 0 || w.DeliveriesExpected == 0 {
		t.Errorf("%s step %d: sent %d, expected %d; want load", target, s.Index, w.MessagesSent, w.DeliveriesExpected)
	}
	if w.Delivered+w.Missing != w.DeliveriesExpected {
		t.Errorf("%s step %d: delivered %d + missing %d = %d, want expected %d", target, s.Index, w.Delivered, w.Missing, w.Delivered+w.Missing, w.DeliveriesExpected)
	}
	if w.Delivered+w.Duplicates+w.Unexpected != w.Received {
		t.Errorf("%s step %d: delivered %d + duplicates %d + unexpected %d != received %d", target, s.Index, w.Delivered, w.Duplicates, w.Unexpected, w.Received)
	}
}

// TestWebSocketThreeOutcomes runs single vs replicas (local broadcast) vs
// replicas with the Redis adapter through the CLI, with real processes,
// nginx (or the Go balancer) and a real redis-server.
func TestWebSocketThreeOutcomes(t *testing.T) {
	checkThreeOutcomes(t)
}

// checkThreeOutcomes runs testdata/ws-three.yaml with extra CLI args (e.g.
// --driver docker) and asserts the websocket suite's lesson: one instance
// and replicas with the Redis adapter deliver everything, replicas with
// local broadcast lose the messages for the other replica.
func checkThreeOutcomes(t *testing.T, extra ...string) {
	t.Helper()
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, append([]string{"run", "testdata/ws-three.yaml", "--out", out, "--no-progress"}, extra...)...)
	if code != 0 && code != exitGate {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	run, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	ratio := map[string]float64{}
	p50 := map[string]float64{}
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK || len(tr.Steps) != 1 {
			t.Fatalf("target %s: status %q (%s), %d steps; want ok with 1 step", tr.Name, tr.Status, tr.Error, len(tr.Steps))
		}
		s := tr.Steps[0]
		checkAccounting(t, tr.Name, s)
		ratio[tr.Name] = s.WebSocket.DeliveryRatio
		p50[tr.Name] = s.WebSocket.FanoutLatency.P50
		if s.WebSocket.ConnectionsOpenMax != 120 {
			t.Errorf("%s: %d connections open at most, want 120", tr.Name, s.WebSocket.ConnectionsOpenMax)
		}
	}
	if ratio["single"] != 1 || ratio["replicas-redis"] != 1 {
		t.Errorf("delivery ratio single %v, replicas-redis %v; want 1 and 1", ratio["single"], ratio["replicas-redis"])
	}
	// 8 members per room, alternating replicas: a message reaches the 3
	// other members on its replica out of 7 (≈ 0.43).
	if r := ratio["replicas"]; r > 0.7 || r < 0.2 {
		t.Errorf("delivery ratio replicas (local broadcast) = %v, want well below 1 (≈ 0.43)", r)
	}
	t.Logf("fan-out p50: single %.2f ms, replicas %.2f ms, replicas-redis %.2f ms", p50["single"], p50["replicas"], p50["replicas-redis"])
	for _, want := range []string{"WebSocket delivery", "replicas-redis", "delivery"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if tr := run.Targets[1]; tr.SLOPassed == nil || *tr.SLOPassed {
		t.Errorf("replicas slo_passed = %v, want false (delivery below the SLO)", tr.SLOPassed)
	}
}

// TestWebSocketKilledInstance kills the only instance mid-run: the run
// ends on time, and the results show the disconnects and the reconnects
// that failed.
func TestWebSocketKilledInstance(t *testing.T) {
	out := t.TempDir()
	done := make(chan int, 1)
	start := time.Now()
	go func() {
		code, _, _ := runCLI(t, "run", "testdata/ws-kill.yaml", "--out", out, "--no-progress")
		done <- code
	}()
	pid := waitServe(t, 30*time.Second)
	time.Sleep(2 * time.Second) // connections open, messages flowing
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("run did not end within 40 s of killing the instance")
	}
	t.Logf("run took %v", time.Since(start).Round(time.Millisecond))
	run, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Targets) != 1 || len(run.Targets[0].Steps) != 1 {
		t.Fatalf("want one target with one step, got %+v", run.Targets)
	}
	tr := run.Targets[0]
	if tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "exited unexpectedly") {
		t.Errorf("target status %q (%s), want failed: instance exited unexpectedly", tr.Status, tr.Error)
	}
	s := tr.Steps[0]
	checkAccounting(t, tr.Name, s)
	w := s.WebSocket
	if w.Disconnects == 0 || w.ReconnectAttempts == 0 || w.ReconnectFailures == 0 {
		t.Errorf("disconnects %d, reconnect attempts %d, failures %d; want all > 0", w.Disconnects, w.ReconnectAttempts, w.ReconnectFailures)
	}
	if s.Valid {
		t.Errorf("step valid, want invalid (target died during it)")
	}
}

// waitServe returns the pid of the first `serve` child process.
func waitServe(t *testing.T, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, pid := range children() {
			cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			if strings.Contains(string(cmd), "serve\x00") {
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no serve process started")
	return 0
}
