package swarm

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"

	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/docker"
)

// offline returns the image named by env, else the offline image built by
// fixtures/images/build.sh, and fails the test when neither is present.
func offline(t *testing.T, env, fallback string) string {
	t.Helper()
	ref := os.Getenv(env)
	if ref == "" {
		ref = fallback
	}
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		t.Fatalf("%v\nThe swarm driver's tests need a running Docker engine: install docker.io and start it (service docker start).", err)
	}
	if !docker.ImagePresent(pool, ref) {
		t.Fatalf("image %s is missing: build the offline images with `bash fixtures/images/build.sh` (or set %s)", ref, env)
	}
	return ref
}

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

// testMain makes the engine a single-node swarm once for every test when it
// is not one (through New, as a run does) and checks at the end that
// Close left the engine as it was found: no swarm, no docker_gwbridge.
func testMain(m *testing.M) int {
	ctx := context.Background()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err == nil {
		_, err = cli.Info(ctx)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\nThe swarm driver's tests need a running Docker engine: install docker.io and start it (service docker start).\n", err)
		return 1
	}
	defer cli.Close()
	d, err := New(ctx, Options{RunID: "test-init"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := d.Close(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "Close:", err)
		code = 1
	}
	if d.initialised {
		info, err := cli.Info(ctx)
		if err != nil || info.Swarm.LocalNodeState != swarm.LocalNodeStateInactive {
			fmt.Fprintf(os.Stderr, "after the tests the engine is still in a swarm (%v): Close must leave the swarm it made\n", err)
			code = 1
		}
		if _, err := cli.NetworkInspect(ctx, gwBridge, network.InspectOptions{}); err == nil {
			fmt.Fprintf(os.Stderr, "%s left behind after leaving the swarm\n", gwBridge)
			code = 1
		}
	}
	return code
}

// newTestDriver makes a driver on a fresh run id and checks at the end that
// Close left nothing of the run behind.
func newTestDriver(t *testing.T) *Driver {
	t.Helper()
	opts := Options{
		RunID:      strings.ReplaceAll("test-"+time.Now().Format("150405.000000"), ".", ""),
		NginxImage: offline(t, docker.EnvNginxImage, "scalebench/nginx:ci"),
		RedisImage: offline(t, docker.EnvRedisImage, "scalebench/redis:ci"),
	}
	d, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if d.initialised {
		t.Fatal("New initialised a swarm although TestMain made one")
	}
	t.Cleanup(func() {
		if err := d.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
		cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			t.Fatal(err)
		}
		defer cli.Close()
		assertNothingLeft(t, cli, docker.LabelRun+"="+opts.RunID)
	})
	return d
}

func assertNothingLeft(t *testing.T, cli *client.Client, label string) {
	t.Helper()
	ctx := context.Background()
	f := filters.NewArgs(filters.Arg("label", label))
	var svcs, nets int
	for range 40 {
		s, err1 := cli.ServiceList(ctx, types.ServiceListOptions{Filters: f})
		n, err2 := cli.NetworkList(ctx, network.ListOptions{Filters: f})
		if err1 != nil || err2 != nil {
			t.Fatalf("list: %v %v", err1, err2)
		}
		if svcs, nets = len(s), len(n); svcs+nets == 0 {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Errorf("%d services and %d networks left with %s", svcs, nets, label)
}

// served sends n requests to url and returns how many each instance served.
func served(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	c := &http.Client{Timeout: 5 * time.Second}
	for range n {
		resp, err := c.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", url, resp.StatusCode)
		}
		out[resp.Header.Get("X-Scalebench-Instance")]++
	}
	return out
}

// TestReplicasBehindNginx brings up replicas behind an nginx service, checks
// that every replica serves, that the budget is recorded, that the tasks are
// sampled, that scaling adds a replica the balancer uses, and that Down
// removes the target.
func TestReplicasBehindNginx(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	dep, err := d.Up(ctx, targets.Spec{RunID: d.runID, Name: "rep", Topology: "replicas", Instances: 2, Balancer: "nginx", CPUBudget: 0.5, GOMAXPROCS: 1})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	defer dep.Down(ctx)
	if !strings.HasPrefix(dep.Endpoint(), "http://127.0.0.1:") {
		t.Errorf("Endpoint = %q, want a port on 127.0.0.1", dep.Endpoint())
	}
	info := dep.Info()
	if info.Driver != "swarm" || info.Balancer != "nginx" || info.Instances != 2 || !info.CPUBudgetEnforced {
		t.Errorf("Info = %+v", info)
	}
	if got := served(t, dep.Endpoint()+"/healthz", 20); len(got) != 2 {
		t.Errorf("instances serving = %v, want 2", got)
	}
	u, err := dep.Sample(ctx)
	if err != nil || u.CPUSeconds <= 0 || u.RSSBytes == 0 {
		t.Errorf("Sample = %+v, %v; want CPU and memory of the tasks", u, err)
	}
	if err := dep.(*deployment).Scale(ctx, "app", 3); err != nil {
		t.Fatalf("Scale: %v", err)
	}
	if got := served(t, dep.Endpoint()+"/healthz", 30); len(got) != 3 {
		t.Errorf("instances serving after scaling to 3 = %v", got)
	}
	if err := dep.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
	if err := dep.Down(ctx); err != nil {
		t.Errorf("Down: %v", err)
	}
	assertNothingLeft(t, d.cli, LabelTarget+"="+d.runID+"/rep")
}

// TestCachedWithGoBalancer runs a Redis-backed topology (Redis as a service
// the app finds by name) behind the Go balancer.
func TestCachedWithGoBalancer(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	dep, err := d.Up(ctx, targets.Spec{RunID: d.runID, Name: "cache", Topology: "cached", Instances: 2, Balancer: "go"})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	defer dep.Down(ctx)
	if got := served(t, dep.Endpoint()+"/user/7", 10); len(got) != 2 {
		t.Errorf("instances serving = %v, want 2", got)
	}
}

// TestStartFailureRemovesEverything starts an image whose command does not
// exist: Up must fail with the task's error and leave nothing.
func TestStartFailureRemovesEverything(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	_, err := d.Up(ctx, targets.Spec{RunID: d.runID, Name: "bad", Topology: "image", Image: d.opts.RedisImage, Port: 1, StartupTimeout: 5 * time.Second})
	if err == nil {
		t.Fatal("Up of an image that does not listen succeeded")
	}
	assertNothingLeft(t, d.cli, LabelTarget+"="+d.runID+"/bad")
}

// TestCleanRemovesDeadRuns labels a network as owned by a process that is
// not running and checks that Clean removes it and leaves a live one.
func TestCleanRemovesDeadRuns(t *testing.T) {
	d := newTestDriver(t)
	ctx := context.Background()
	dead := docker.Labels(d.runID + "-dead")
	dead[docker.LabelPID] = "999999999"
	live := docker.Labels(d.runID + "-live")
	for name, labels := range map[string]map[string]string{"sb-" + d.runID + "-dead": dead, "sb-" + d.runID + "-live": live} {
		if _, err := d.cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "overlay", Attachable: true, Labels: labels}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = removeLabelled(ctx, d.cli, docker.LabelRun+"="+d.runID+"-live", nil) })
	removed, err := Clean(ctx, d.cli, CleanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(removed.Networks, " "), "-dead") || strings.Contains(strings.Join(removed.Networks, " "), "-live") {
		t.Errorf("Clean removed %v, want only the dead run's network", removed.Networks)
	}
}
