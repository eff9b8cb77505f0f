package docker

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/targets"
)

// instancesSeen sends n requests to url and counts the serving instances.
func instancesSeen(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	// A new connection per request, so a shared socket (cluster) can hand
	// them to different workers.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range n {
		resp, err := client.Get(url + "/")
		if err != nil {
			t.Fatalf("GET %s/: %v", url, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s/ = %s, want 200 OK", url, resp.Status)
		}
		seen[resp.Header.Get("X-Scalebench-Instance")]++
	}
	return seen
}

func TestUpTopologies(t *testing.T) {
	d := newTestDriver(t)
	tests := []struct {
		spec          targets.Spec
		wantBalancer  string
		wantInstances int // distinct serving instances seen (at least, for cluster)
		wantQuota     int64
	}{
		{spec: targets.Spec{Name: "single", Topology: "single", CPUBudget: 0.5, MemoryMB: 64, GOMAXPROCS: 1}, wantInstances: 1, wantQuota: 5000},
		{spec: targets.Spec{Name: "cluster", Topology: "cluster", Instances: 2, CPUBudget: 0.5, MemoryMB: 64}, wantBalancer: "kernel", wantInstances: 2, wantQuota: 10000},
		{spec: targets.Spec{Name: "replicas-nginx", Topology: "replicas", Instances: 2, Balancer: "nginx", CPUBudget: 0.5}, wantBalancer: "nginx", wantInstances: 2, wantQuota: 5000},
		{spec: targets.Spec{Name: "replicas-go", Topology: "replicas", Instances: 2, Balancer: "go", Policy: "least_conn"}, wantBalancer: "go", wantInstances: 2},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Name, func(t *testing.T) {
			ctx := context.Background()
			dep, err := d.Up(ctx, tt.spec)
			if err != nil {
				t.Fatalf("Up(%s): %v", tt.spec.Name, err)
			}
			defer dep.Down(ctx)
			if !strings.HasPrefix(dep.Endpoint(), "http://127.0.0.1:") {
				t.Errorf("Endpoint() = %q, want http://127.0.0.1:PORT", dep.Endpoint())
			}
			// Cluster workers share one socket: the kernel spreads
			// connections, so send enough to see both.
			seen := instancesSeen(t, dep.Endpoint(), 40)
			if len(seen) != tt.wantInstances && (tt.spec.Topology != "cluster" || len(seen) == 0) {
				t.Errorf("serving instances = %v, want %d distinct", seen, tt.wantInstances)
			}
			info := dep.Info()
			if info.Driver != "docker" || info.Balancer != tt.wantBalancer || info.CPUBudget != tt.spec.CPUBudget || info.Images["app"] == "" {
				t.Errorf("Info() = %+v, want driver docker, balancer %q, cpu budget %v, an app image", info, tt.wantBalancer, tt.spec.CPUBudget)
			}
			if got, want := info.MemoryLimitBytes, uint64(tt.spec.MemoryMB)<<20; got != want {
				t.Errorf("Info().MemoryLimitBytes = %d, want %d", got, want)
			}
			if err := dep.Err(); err != nil {
				t.Errorf("Err() = %v, want nil", err)
			}
			u, err := dep.Sample(ctx)
			if err != nil || u.CPUSeconds <= 0 || u.RSSBytes == 0 {
				t.Errorf("Sample() = %+v, %v; want CPU time and memory", u, err)
			}
			checkContainers(t, d.RunID(), dep.(*deployment), tt.spec, tt.wantQuota)
			if err := dep.Down(ctx); err != nil {
				t.Errorf("Down: %v", err)
			}
			if err := dep.Down(ctx); err != nil {
				t.Errorf("second Down: %v", err)
			}
			cs, _ := testPool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {LabelTarget + "=" + tt.spec.Name, LabelRun + "=" + d.RunID()}}})
			if len(cs) != 0 {
				t.Errorf("after Down: %d containers of target %s remain", len(cs), tt.spec.Name)
			}
		})
	}
}

// checkContainers checks that every container of dep carries the run's
// labels, publishes on 127.0.0.1 only and has the spec's limits.
func checkContainers(t *testing.T, runID string, dep *deployment, spec targets.Spec, wantQuota int64) {
	t.Helper()
	for _, c := range dep.containers {
		info, err := testPool.Client.InspectContainer(c.id)
		if err != nil {
			t.Fatalf("inspect %s: %v", c.name, err)
		}
		if got := info.Config.Labels[LabelRun]; got != runID || info.Config.Labels[LabelScalebench] != "1" {
			t.Errorf("%s labels = %v, want %s=%s and %s=1", c.name, info.Config.Labels, LabelRun, runID, LabelScalebench)
		}
		for _, b := range info.HostConfig.PortBindings {
			for _, pb := range b {
				if pb.HostIP != "127.0.0.1" {
					t.Errorf("%s publishes on %q, want 127.0.0.1 only", c.name, pb.HostIP)
				}
			}
		}
		if c.role == "app" || c.role == "cluster" {
			if info.HostConfig.CPUQuota != wantQuota {
				t.Errorf("%s CPUQuota = %d, want %d", c.name, info.HostConfig.CPUQuota, wantQuota)
			}
			if want := int64(spec.MemoryMB) << 20 * int64(max(1, spec.Instances)); info.HostConfig.Memory != want || info.HostConfig.MemorySwap != want {
				t.Errorf("%s Memory, MemorySwap = %d, %d, want %d both", c.name, info.HostConfig.Memory, info.HostConfig.MemorySwap, want)
			}
		}
	}
}

func TestUpCommandUnsupported(t *testing.T) {
	d := newTestDriver(t)
	_, err := d.Up(context.Background(), targets.Spec{Name: "mine", Topology: "command", Command: []string{"node", "server.js"}})
	if err == nil || !strings.Contains(err.Error(), "not supported by the docker driver") {
		t.Errorf("Up(command) error = %v, want “not supported by the docker driver”", err)
	}
}

func TestUpFailureKeepsLogs(t *testing.T) {
	d := newTestDriver(t)
	_, err := d.Up(context.Background(), targets.Spec{Name: "broken", Topology: "single", AppArgs: []string{"--no-such-flag"}, StartupTimeout: 10 * time.Second})
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("Up(broken) error = %v, want a *StartError", err)
	}
	if !strings.Contains(err.Error(), "exited unexpectedly with code") {
		t.Errorf("Up(broken) error = %v, want it to say the container exited", err)
	}
	var all string
	for _, l := range se.Logs() {
		all += l
	}
	if !strings.Contains(all, "no-such-flag") {
		t.Errorf("StartError.Logs() = %q, want the app's complaint about --no-such-flag", se.Logs())
	}
}

func TestErrAfterContainerDies(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	dep, err := d.Up(ctx, targets.Spec{Name: "dies", Topology: "single"})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	defer dep.Down(ctx)
	c := dep.(*deployment).containers[0]
	if err := testPool.Client.KillContainer(dc.KillContainerOptions{ID: c.id}); err != nil {
		t.Fatalf("kill: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for dep.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := dep.Err(); err == nil || !strings.Contains(err.Error(), "exited unexpectedly with code 137") {
		t.Errorf("Err() = %v, want “exited unexpectedly with code 137”", err)
	}
}

func TestCloseWithCancelledContext(t *testing.T) {
	d := newTestDriver(t)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := d.Up(ctx, targets.Spec{Name: "interrupted", Topology: "single"}); err != nil {
		t.Fatalf("Up: %v", err)
	}
	cancel() // Ctrl-C: the runner closes with the cancelled context
	if err := d.Close(ctx); err != nil {
		t.Errorf("Close(cancelled ctx): %v", err)
	}
	assertNothingLeft(t, d.RunID())
}

func TestStartRedis(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	r, err := d.StartRedis(ctx, "cache", "redis")
	if err != nil {
		t.Fatalf("StartRedis: %v", err)
	}
	if err := ping(ctx, r.HostAddr); err != nil {
		t.Errorf("PING %s: %v", r.HostAddr, err)
	}
	if got, want := r.Addr, "sb-"+d.RunID()+"-cache-redis:6379"; got != want {
		t.Errorf("Redis.Addr = %q, want %q", got, want)
	}
	if err := r.Remove(ctx); err != nil {
		t.Errorf("Remove: %v", err)
	}
}

func TestEnvironment(t *testing.T) {
	d := newTestDriver(t)
	var env struct{ driver, mech string }
	var e = newEnv()
	d.Environment(e)
	env.driver, env.mech = e.Driver, e.CPUBudgetMechanism
	if diff := cmp.Diff(struct{ driver, mech string }{"docker", "docker"}, env, cmp.AllowUnexported(env)); diff != "" {
		t.Errorf("Environment() mismatch (-want +got):\n%s", diff)
	}
	if e.Components["docker"] == "" || e.Components["nginx"] == "" || e.Components["redis"] == "" {
		t.Errorf("Environment().Components = %v, want the engine's, nginx's and Redis's versions (rebuild old offline images: bash fixtures/images/build.sh)", e.Components)
	}
}
