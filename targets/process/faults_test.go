package process

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/redis"
)

func needNginx(t *testing.T) {
	t.Helper()
	if _, err := lookNginx(); err != nil {
		t.Fatalf("nginx is needed for this test: %v (install it: apt-get install -y nginx)", err)
	}
}

// steadyLoad sends GETs to url every 5 ms (at most 2,000) until stop is
// called, which returns how many were sent and how many failed.
func steadyLoad(t *testing.T, url string) (stop func() (sent, failed int64)) {
	t.Helper()
	var sent, failed atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var inner sync.WaitGroup
		defer inner.Wait()
		for range 2000 {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			sent.Add(1)
			inner.Go(func() {
				resp, err := client.Get(url)
				if err != nil {
					failed.Add(1)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			})
		}
	})
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		return sent.Load(), failed.Load()
	}
}

func TestFaultKillReplicaIsReplaced(t *testing.T) {
	needNginx(t)
	d := newTestDriver(t)
	for _, balancer := range []string{"nginx", "go"} {
		t.Run(balancer, func(t *testing.T) {
			dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: balancer, Retries: "on", GOMAXPROCS: 1})
			old := instancePID(t, dep, 2)
			at := time.Now()
			repl, err := dep.Kill(context.Background(), "2", "KILL")
			if err != nil {
				t.Fatalf("Kill(2, KILL): %v", err)
			}
			if repl.Before(at) {
				t.Errorf("Kill returned replacement time %v, before the kill at %v", repl, at)
			}
			if pid := instancePID(t, dep, 2); pid == 0 || pid == old {
				t.Errorf("instance-2 pid after the kill = %d (was %d), want a new process", pid, old)
			}
			if err := dep.Err(); err != nil {
				t.Errorf("Err() after a fault kill = %v, want nil (the kill was on purpose)", err)
			}
			waitSeen(t, dep.Endpoint()+"/", "instance-1", "instance-2")
		})
	}
}

func TestFaultKillBalancer(t *testing.T) {
	needNginx(t)
	d := newTestDriver(t)
	for _, balancer := range []string{"nginx", "go"} {
		t.Run(balancer, func(t *testing.T) {
			dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: balancer, GOMAXPROCS: 1})
			if _, err := dep.Kill(context.Background(), "balancer", "KILL"); err != nil {
				t.Fatalf("Kill(balancer): %v", err)
			}
			if code, _, body := get(t, dep.Endpoint()+"/"); code != 200 {
				t.Errorf("GET after the balancer was replaced = %d %q, want 200", code, body)
			}
			if err := dep.Err(); err != nil {
				t.Errorf("Err() = %v, want nil", err)
			}
		})
	}
}

func TestFaultKillClusterWorker(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "cluster", Instances: 2, GOMAXPROCS: 1})
	old := workerPID(t, dep, "worker-1")
	if _, err := dep.Kill(context.Background(), "1", "KILL"); err != nil {
		t.Fatalf("Kill(1): %v", err)
	}
	if pid := workerPID(t, dep, "worker-1"); pid == old {
		t.Errorf("worker-1 pid = %d after the kill, want the primary's replacement", pid)
	}
}

func TestFaultPause(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: "go", GOMAXPROCS: 1})
	pid := instancePID(t, dep, 1)
	var during string
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(150 * time.Millisecond)
		during = procStatus(t, pid, "State")
	})
	start := time.Now()
	if err := dep.Pause(context.Background(), "1", 400*time.Millisecond); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	wg.Wait()
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("Pause returned after %v, want ≥ 400ms", took)
	}
	if !strings.HasPrefix(during, "T") {
		t.Errorf("state during the pause = %q, want T (stopped)", during)
	}
	if after := procStatus(t, pid, "State"); strings.HasPrefix(after, "T") {
		t.Errorf("state after the pause = %q, want running again", after)
	}
}

func TestFaultPauseResumesWhenCancelled(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "single", GOMAXPROCS: 1})
	pid := instancePID(t, dep, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := dep.Pause(ctx, "1", time.Minute); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	if after := procStatus(t, pid, "State"); strings.HasPrefix(after, "T") {
		t.Errorf("state after a cancelled pause = %q, want running", after)
	}
}

// TestFaultRollingRestartLosesNothing restarts every replica behind
// nginx (with retries) and the Go balancer while requests flow: none may
// fail, and every instance must be a new process afterwards.
func TestFaultRollingRestartLosesNothing(t *testing.T) {
	needNginx(t)
	d := newTestDriver(t)
	for _, balancer := range []string{"nginx", "go"} {
		t.Run(balancer, func(t *testing.T) {
			dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: balancer, Retries: "on", GOMAXPROCS: 1})
			before := []int{instancePID(t, dep, 1), instancePID(t, dep, 2)}
			stop := steadyLoad(t, dep.Endpoint()+"/work?cpu=1ms")
			err := dep.RollingRestart(context.Background(), 200*time.Millisecond)
			time.Sleep(200 * time.Millisecond)
			sent, failed := stop()
			if err != nil {
				t.Fatalf("RollingRestart: %v", err)
			}
			if failed != 0 {
				t.Errorf("rolling restart behind %s: %d of %d requests failed, want 0", balancer, failed, sent)
			}
			for i, id := range []string{"instance-1", "instance-2"} {
				if pid := instancePID(t, dep, i+1); pid == 0 || pid == before[i] {
					t.Errorf("%s pid = %d after the restart (was %d), want a new process", id, pid, before[i])
				}
			}
		})
	}
}

func TestFaultRollingRestartCluster(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "cluster", Instances: 2, GOMAXPROCS: 1})
	before := []int{workerPID(t, dep, "worker-1"), workerPID(t, dep, "worker-2")}
	if err := dep.RollingRestart(context.Background(), 0); err != nil {
		t.Fatalf("RollingRestart: %v", err)
	}
	for i, id := range []string{"worker-1", "worker-2"} {
		if pid := workerPID(t, dep, id); pid == before[i] {
			t.Errorf("%s pid = %d after the restart, want a new worker", id, pid)
		}
	}
}

func TestFaultScale(t *testing.T) {
	needNginx(t)
	d := newTestDriver(t)
	for _, balancer := range []string{"nginx", "go"} {
		t.Run(balancer, func(t *testing.T) {
			dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: balancer, GOMAXPROCS: 1})
			if err := dep.Scale(context.Background(), 3, 0); err != nil {
				t.Fatalf("Scale(3): %v", err)
			}
			waitSeen(t, dep.Endpoint()+"/", "instance-1", "instance-2", "instance-3")
			if n := dep.Info().Instances; n != 3 {
				t.Errorf("Info().Instances = %d after Scale(3), want 3", n)
			}
			if err := dep.Scale(context.Background(), 1, 100*time.Millisecond); err != nil {
				t.Fatalf("Scale(1): %v", err)
			}
			seen := instancesSeen(t, dep.Endpoint()+"/", 12)
			if len(seen) != 1 || seen["instance-1"] == 0 {
				t.Errorf("responses per instance after Scale(1) = %v, want only instance-1", seen)
			}
			cpu, n, err := dep.InstanceCPU(context.Background())
			if err != nil || n != 1 || cpu < 0 {
				t.Errorf("InstanceCPU() = %v, %d, %v; want ≥ 0 s, 1 instance, nil", cpu, n, err)
			}
		})
	}
}

func TestFaultRedisDown(t *testing.T) {
	if _, err := redis.Find(); err != nil {
		t.Fatalf("redis-server is needed for this test: %v (install it: apt-get install -y redis-server)", err)
	}
	d := newTestDriver(t)
	// The test binary serves no cache mode: give a single instance a
	// Redis of its own, as a Redis-backed topology has.
	dep := up(t, d, targets.Spec{Topology: "single", GOMAXPROCS: 1})
	addr, err := dep.startRedis(context.Background(), "store")
	if err != nil {
		t.Fatal(err)
	}
	var down bool
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(150 * time.Millisecond)
		down = ping(addr) != nil
	})
	if err := dep.RedisDown(context.Background(), 400*time.Millisecond); err != nil {
		t.Fatalf("RedisDown: %v", err)
	}
	wg.Wait()
	if !down {
		t.Errorf("Redis at %s answered during redis_down", addr)
	}
	if err := ping(dep.RedisAddr()); err != nil || dep.RedisAddr() != addr {
		t.Errorf("after redis_down: Redis at %q (was %q): PING: %v; want it back on the same address", dep.RedisAddr(), addr, err)
	}
}

// ping sends a Redis PING over a raw connection.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return os.ErrInvalid
	}
	return nil
}

func TestFaultOnURLTarget(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "url", URL: "http://127.0.0.1:" + strconv.Itoa(1)})
	if _, err := dep.Kill(context.Background(), "1", "KILL"); err == nil || !strings.Contains(err.Error(), "has no instances scalebench started") {
		t.Errorf("Kill on a url target: error %v, want it refused", err)
	}
}

// instancePID is the pid of instance n's current process.
func instancePID(t *testing.T, dep *Deployment, n int) int {
	t.Helper()
	s, err := dep.faultFleet().slotOf(n)
	if err != nil {
		t.Fatal(err)
	}
	dep.fleet.mu.Lock()
	defer dep.fleet.mu.Unlock()
	return s.p.pid()
}

// TestFaultsOnCommand: the user's own server (a command target) takes the
// same kill, pause and rolling restart as the reference app.
func TestFaultsOnCommand(t *testing.T) {
	exe, _ := os.Executable()
	d := newTestDriver(t)
	ctx := context.Background()
	dep := up(t, d, targets.Spec{Topology: "command", Instances: 2, Balancer: "go", Retries: "on",
		Command: []string{exe, "serve", "--id", "mine"}, Health: "/healthz"})
	old := instancePID(t, dep, 1)
	if _, err := dep.Kill(ctx, "1", "TERM"); err != nil {
		t.Fatalf("Kill(1, TERM): %v", err)
	}
	if err := dep.Pause(ctx, "2", 100*time.Millisecond); err != nil {
		t.Fatalf("Pause(2): %v", err)
	}
	if err := dep.RollingRestart(ctx, 100*time.Millisecond); err != nil {
		t.Fatalf("RollingRestart: %v", err)
	}
	if pid := instancePID(t, dep, 1); pid == old {
		t.Errorf("instance 1 pid = %d, want a new process after kill and restart", pid)
	}
	if seen := instancesSeen(t, dep.Endpoint()+"/", 4); seen["mine"] != 4 {
		t.Errorf("responses = %v, want 4 from the user's server", seen)
	}
	if err := dep.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}
