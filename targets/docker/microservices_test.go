package docker

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/app/service"
	"github.com/scalebench/scalebench/targets"
)

func shop(topology string) targets.Spec {
	return targets.Spec{Name: "shop", Topology: topology, Balancer: "go", CPUBudget: 0.2, Microservices: &targets.Microservices{Entry: "core", Services: []targets.Service{
		{Name: "auth", Replicas: 2, CPU: time.Millisecond},
		{Name: "core", Replicas: 2, CPU: 2 * time.Millisecond, Calls: []string{"auth", "mail"}},
		{Name: "mail", Replicas: 1, Queue: true, CPUBudget: 0.5},
	}}}
}

// TestPlanMicroservices: Redis first, each service's containers with its
// own budget, a balancer of its own in front of a callee with several
// replicas, callers reaching callees through it (or the single
// container), and the gateway in front of the entry's replicas.
func TestPlanMicroservices(t *testing.T) {
	p := planFor(t, shop(targets.TopologyMicroservices))
	var got []string
	for _, cs := range p.containers {
		got = append(got, cs.name+" "+cs.role)
	}
	want := []string{"sb-RUN-shop-redis redis", "sb-RUN-shop-auth-0 app", "sb-RUN-shop-auth-1 app", "sb-RUN-shop-auth-balancer balancer",
		"sb-RUN-shop-mail-0 app", "sb-RUN-shop-core-0 app", "sb-RUN-shop-core-1 app", "sb-RUN-shop-balancer balancer"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("containers (-want +got):\n%s", diff)
	}
	core := strings.Join(p.containers[5].cmd, " ")
	for _, s := range []string{"--mode service", "--service core", "--id replica-0", "--call auth=http://sb-RUN-shop-auth-balancer:8080", "--redis sb-RUN-shop-redis:6379"} {
		if !strings.Contains(core, s) {
			t.Errorf("core's command lacks %q: %s", s, core)
		}
	}
	if strings.Contains(core, "--call mail") {
		t.Errorf("core calls the queued service over HTTP: %s", core)
	}
	if up := string(p.containers[3].files[upstreamFile]); up != "sb-RUN-shop-auth-0:8080,sb-RUN-shop-auth-1:8080\n" {
		t.Errorf("auth balancer upstreams %q", up)
	}
	if up := string(p.containers[7].files[upstreamFile]); up != "sb-RUN-shop-core-0:8080,sb-RUN-shop-core-1:8080\n" {
		t.Errorf("gateway upstreams %q", up)
	}
	if p.containers[4].cpus != 0.5 || p.containers[1].cpus != 0.2 {
		t.Errorf("mail cpus %v, auth cpus %v; want 0.5 (its own), 0.2 (the target's)", p.containers[4].cpus, p.containers[1].cpus)
	}
	if p.entry != 7 || !cmp.Equal(p.backends, []int{5, 6}) || !cmp.Equal(p.ready, []int{1, 2, 3, 4}) {
		t.Errorf("entry %d, backends %v, ready %v", p.entry, p.backends, p.ready)
	}
	var svcs []string
	for _, s := range p.services {
		svcs = append(svcs, s.name)
	}
	if !cmp.Equal(svcs, []string{"auth", "mail", "core"}) || !p.services[1].consumer || p.info.Instances != 5 {
		t.Errorf("services %v (mail consumer %v), %d instances; want auth, mail, core, true, 5", svcs, p.services[1].consumer, p.info.Instances)
	}
}

// TestPlanMonolith: one set of instances doing every service's work,
// as many as the split's, behind the gateway (nginx here), no Redis.
func TestPlanMonolith(t *testing.T) {
	spec := shop(targets.TopologyMonolith)
	spec.Balancer = "nginx"
	p := planFor(t, spec)
	if len(p.containers) != 6 || p.redis != -1 || p.containers[5].role != "nginx" || len(p.services) != 1 || p.services[0].replicas != 5 {
		t.Fatalf("monolith plan: %v", briefs(p))
	}
	if cmd := strings.Join(p.containers[0].cmd, " "); !strings.Contains(cmd, "--entry core") || strings.Contains(cmd, "--call") {
		t.Errorf("monolith command %s", cmd)
	}
	conf := string(p.containers[5].files[nginxConfPath])
	if !strings.Contains(conf, "sb-RUN-shop-monolith-4:8080") {
		t.Errorf("nginx.conf lacks the fifth instance:\n%s", conf)
	}
}

// TestUpMicroservices brings up core (the entry) calling auth (two
// replicas behind their own balancer) on the engine with the real app
// and checks every request through the gateway reached auth, on both
// replicas, from the per-service counters the runner reads.
func TestUpMicroservices(t *testing.T) {
	needEngine(t)
	bin := filepath.Join(t.TempDir(), "scalebench")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", bin, "github.com/scalebench/scalebench/cmd/scalebench")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build scalebench: %v\n%s", err, out)
	}
	d := newTestDriverWith(t, bin, "scalebench/app-test-full")
	ctx := context.Background()
	spec := targets.Spec{Name: "ms", Topology: targets.TopologyMicroservices, Balancer: "go", StartupTimeout: time.Minute,
		Microservices: &targets.Microservices{Entry: "core", Services: []targets.Service{
			{Name: "auth", Replicas: 2, CPU: 100 * time.Microsecond},
			{Name: "core", Replicas: 1, CPU: 100 * time.Microsecond, Calls: []string{"auth"}},
		}}}
	dep, err := d.Up(ctx, spec)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	defer dep.Down(ctx)
	const n = 20
	for range n {
		resp, err := http.Get(dep.Endpoint() + "/api/core")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/core: %s", resp.Status)
		}
	}
	got, per := map[string]uint64{}, map[string][]uint64{}
	for _, s := range dep.(targets.ServiceDeployment).Services() {
		for _, u := range s.Instances {
			st, err := service.ReadStats(ctx, http.DefaultClient, u)
			if err != nil {
				t.Fatal(err)
			}
			got[s.Name] += st.Services[s.Name].Requests
			per[s.Name] = append(per[s.Name], st.Services[s.Name].Requests)
		}
	}
	if got["core"] != n || got["auth"] != n || len(per["auth"]) != 2 || slices.Contains(per["auth"], 0) {
		t.Errorf("requests per service %v (auth per replica %v), want %d each, both auth replicas used", got, per["auth"], n)
	}
}
