package docker

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets"
)

// steadyLoad sends GETs to url every 10 ms (at most 3,000) until the
// returned stop is called, which says how many were sent and failed.
func steadyLoad(url string) (stop func() (sent, failed int64)) {
	var sent, failed atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	wg.Go(func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		var inner sync.WaitGroup
		defer inner.Wait()
		for range 3000 {
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

func upFaultable(t *testing.T, d *Driver, spec targets.Spec) *deployment {
	t.Helper()
	ctx := context.Background()
	dep, err := d.Up(ctx, spec)
	if err != nil {
		t.Fatalf("Up(%s): %v", spec.Name, err)
	}
	t.Cleanup(func() { _ = dep.Down(ctx) })
	return dep.(*deployment)
}

// TestFaultsReplicas runs every action on replicas behind nginx (with
// retries) and the Go balancer: a rolling restart under load loses
// nothing, a killed container comes back, a paused one is frozen, and
// scaling adds and removes containers behind the balancer.
func TestFaultsReplicas(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	for _, balancer := range []string{"nginx", "go"} {
		t.Run(balancer, func(t *testing.T) {
			dep := upFaultable(t, d, targets.Spec{Name: "faults-" + balancer, Topology: "replicas", Instances: 2, Balancer: balancer, Retries: "on"})
			stop := steadyLoad(dep.Endpoint() + "/")
			err := dep.RollingRestart(ctx, 300*time.Millisecond)
			time.Sleep(200 * time.Millisecond)
			sent, failed := stop()
			if err != nil {
				t.Fatalf("RollingRestart: %v", err)
			}
			if failed != 0 {
				t.Errorf("rolling restart behind %s: %d of %d requests failed, want 0", balancer, failed, sent)
			}
			if _, err := dep.Kill(ctx, "1", "KILL"); err != nil {
				t.Fatalf("Kill(1): %v", err)
			}
			if err := dep.Err(); err != nil {
				t.Errorf("Err() after the kill = %v, want nil", err)
			}
			seen := instancesSeen(t, dep.Endpoint(), 20)
			if seen["replica-0"] == 0 || seen["replica-1"] == 0 {
				t.Errorf("responses per instance after the kill = %v, want both", seen)
			}
			c := dep.fleet.apps[1]
			var paused bool
			var wg sync.WaitGroup
			wg.Go(func() {
				time.Sleep(150 * time.Millisecond)
				info, err := testPool.Client.InspectContainer(c.id)
				paused = err == nil && info.State.Paused
			})
			if err := dep.Pause(ctx, "2", 400*time.Millisecond); err != nil {
				t.Fatalf("Pause(2): %v", err)
			}
			wg.Wait()
			if !paused {
				t.Errorf("container %s was not paused during the pause", c.name)
			}
			if err := dep.Scale(ctx, 3, 0); err != nil {
				t.Fatalf("Scale(3): %v", err)
			}
			if seen := instancesSeen(t, dep.Endpoint(), 30); len(seen) != 3 {
				t.Errorf("responses per instance after Scale(3) = %v, want 3 instances", seen)
			}
			if err := dep.Scale(ctx, 1, 100*time.Millisecond); err != nil {
				t.Fatalf("Scale(1): %v", err)
			}
			if seen := instancesSeen(t, dep.Endpoint(), 10); len(seen) != 1 {
				t.Errorf("responses per instance after Scale(1) = %v, want 1 instance", seen)
			}
			if _, n, err := dep.InstanceCPU(ctx); err != nil || n != 1 {
				t.Errorf("InstanceCPU() = _, %d, %v; want 1 instance", n, err)
			}
		})
	}
}

func TestFaultsCluster(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	dep := upFaultable(t, d, targets.Spec{Name: "faults-cluster", Topology: "cluster", Instances: 2})
	old, err := dep.workerPID(ctx, dep.fleet.apps[0], "worker-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dep.Kill(ctx, "1", "KILL"); err != nil {
		t.Fatalf("Kill(1): %v", err)
	}
	if now, err := dep.workerPID(ctx, dep.fleet.apps[0], "worker-1"); err != nil || now == old {
		t.Errorf("worker-1 host pid after the kill = %d, %v (was %d), want a replacement", now, err, old)
	}
	if err := dep.RollingRestart(ctx, 0); err != nil {
		t.Fatalf("RollingRestart: %v", err)
	}
	if _, err := dep.Kill(ctx, "balancer", "KILL"); err == nil {
		t.Errorf("Kill(balancer) on a cluster: want an error")
	}
}

func TestFaultRedisDown(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	dep := upFaultable(t, d, targets.Spec{Name: "faults-redis", Topology: "single"})
	// The test app has no cache mode: give the target a Redis container
	// the way a Redis-backed topology has one.
	c, err := d.start(ctx, redisSpec("faults-redis", containerName("sb", d.runID, "faults-redis-redis"), d.opts.RedisImage, "store", d.cpus))
	if err != nil {
		t.Fatal(err)
	}
	dep.mu.Lock()
	dep.containers = append(dep.containers, c)
	dep.redis = c
	dep.mu.Unlock()
	addr := "127.0.0.1:" + strconv.Itoa(c.hostPort)
	if err := waitPing(ctx, addr, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	var down bool
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(200 * time.Millisecond)
		down = ping(ctx, addr) != nil
	})
	if err := dep.RedisDown(ctx, 600*time.Millisecond); err != nil {
		t.Fatalf("RedisDown: %v", err)
	}
	wg.Wait()
	if !down {
		t.Errorf("Redis at %s answered during redis_down", addr)
	}
	if err := ping(ctx, dep.RedisAddr()); err != nil {
		t.Errorf("Redis at %s after redis_down: %v, want it back", dep.RedisAddr(), err)
	}
}
