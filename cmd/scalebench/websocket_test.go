package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
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
	stdout, _ := runCLIGated(t, append([]string{"run", "testdata/ws-three.yaml", "--out", out, "--no-progress"}, extra...)...)
	run := readRun(t, out)
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
	run := readRun(t, out)
	tr := onlyTarget(t, run, 1)
	if tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "during step 1 (50 connections)") || !strings.Contains(tr.Error, "exited unexpectedly") {
		t.Errorf("target status %q (%s), want failed: target died during step 1 (50 connections): instance exited unexpectedly", tr.Status, tr.Error)
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

// TestWebSocketReplicaKilled kills one of two replicas mid-run, behind
// nginx (ws-redis) and behind the built-in Go balancer (replicas). The
// clients of the dead replica are disconnected and reconnect through the
// balancer to the survivor; the run ends on time; the target is failed
// (one of its processes died, so its figures no longer describe two
// replicas) and its step says what happened to the connections.
func TestWebSocketReplicaKilled(t *testing.T) {
	for _, bin := range []string{"nginx", "redis-server"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is not installed (apt-get install -y nginx redis-server): %v", bin, err)
		}
	}
	for _, tt := range []struct {
		target   string
		balancer string // in the balancer process's command line
	}{
		{"ws-redis-nginx", "nginx"},
		{"replicas-go", "balance"},
	} {
		t.Run(tt.target, func(t *testing.T) {
			const conns = 60
			out := t.TempDir()
			done := make(chan int, 1)
			start := time.Now()
			go func() {
				code, _, _ := runCLI(t, "run", "testdata/ws-replica-kill.yaml", "--target", tt.target, "--out", out, "--no-progress")
				done <- code
			}()
			serves := waitReplicas(t, tt.balancer, 2, 30*time.Second)
			time.Sleep(1500 * time.Millisecond) // connections open, messages flowing
			if err := syscall.Kill(serves[1], syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killedAt := time.Since(start)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("run did not end within 30 s of killing a replica")
			}
			took := time.Since(start)
			run := readRun(t, out)
			tr := onlyTarget(t, run, 1)
			s := tr.Steps[0]
			w := s.WebSocket
			t.Logf("killed a replica at %v, run took %v; status %s: %s; warnings %q",
				killedAt.Round(time.Millisecond), took.Round(time.Millisecond), tr.Status, tr.Error, s.Warnings)
			t.Logf("disconnects %d %v, reconnect attempts %d: %d reconnected, %d failed; open max %d, end %d; delivered %d of %d (ratio %.3f), missing %d, unsent %d",
				w.Disconnects, w.DisconnectsByKind, w.ReconnectAttempts, w.Reconnects, w.ReconnectFailures,
				w.ConnectionsOpenMax, w.ConnectionsOpenEnd, w.Delivered, w.DeliveriesExpected, w.DeliveryRatio, w.Missing, w.MessagesUnsent)
			// Planned: 0.1 s of connecting, 6 s held, 1 s grace, tear-down.
			if took-killedAt > 20*time.Second {
				t.Errorf("run ended %v after the kill, want within 20 s", took-killedAt)
			}
			// Losing one replica of two fails the target: its figures
			// describe one replica for part of the step.
			if tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "exited unexpectedly") ||
				!strings.Contains(tr.Error, fmt.Sprintf("step 1 (%d connections)", conns)) {
				t.Errorf("target status %q (%s), want failed: … during step 1 (%d connections) … exited unexpectedly", tr.Status, tr.Error, conns)
			}
			checkAccounting(t, tr.Name, s)
			if w.Disconnects == 0 || w.Disconnects >= conns || w.ReconnectAttempts == 0 {
				t.Errorf("disconnects %d, reconnect attempts %d; want the dead replica's share of %d (> 0, < all) and attempts > 0", w.Disconnects, w.ReconnectAttempts, conns)
			}
			// Every lost client reached the survivor through the balancer.
			if w.Reconnects != w.Disconnects || w.ConnectionsOpenEnd != conns {
				t.Errorf("reconnected %d of %d lost, %d open at the end; want all %d back", w.Reconnects, w.Disconnects, w.ConnectionsOpenEnd, conns)
			}
			if s.Valid {
				t.Errorf("step valid, want invalid (a replica died during it)")
			}
			want := fmt.Sprintf("%d reconnected", w.Reconnects)
			if !slices.ContainsFunc(s.Warnings, func(m string) bool { return strings.Contains(m, "connections lost") && strings.Contains(m, want) }) {
				t.Errorf("step warnings %q lack the lost connections and %q", s.Warnings, want)
			}
		})
	}
}

// waitReplicas waits until the balancer and n `serve` children run, and
// returns the serves' pids.
func waitReplicas(t *testing.T, balancer string, n int, within time.Duration) []int {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var serves []int
		lb := false
		for _, pid := range children() {
			cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			args := strings.Split(string(cmd), "\x00")
			switch {
			case slices.Contains(args, "serve"):
				serves = append(serves, pid)
			case strings.Contains(string(cmd), balancer): // nginx rewrites its argv
				lb = true
			}
		}
		if lb && len(serves) == n {
			return serves
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the balancer %s and %d serve processes did not start", balancer, n)
	return nil
}

// TestWebSocketProgress checks the plain-text progress of a WebSocket run:
// its steps are connection counts, numbered out of the section's levels
// (the whole section is one runner phase).
func TestWebSocketProgress(t *testing.T) {
	sc, err := scenarios.Parse("ws.yaml", []byte(`name: ws
websocket:
  connections: [50, 200]
  hold: 1s
targets:
  - name: single
    topology: single
`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	o := newObserver(&buf, sc, true)
	o.PhaseStarted("single", load.Phase{Model: load.ModelOpen, Duration: 2500 * time.Millisecond}, 0)
	o.Live("single", load.Live{Step: 0, Connections: 50})
	o.Live("single", load.Live{Step: 1, Connections: 120})
	o.Live("single", load.Live{Step: 1, Connections: 200})
	o.TargetDone(&results.Target{Name: "single", Status: results.StatusOK, Steps: make([]results.Step, 2)})
	got := buf.String()
	want := "      single: step 1/2  50 connections (2.5s)\n" +
		"      single: step 2/2  200 connections\n" +
		"      single: ok, 2 steps\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}
