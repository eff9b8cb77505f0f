package docker

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/targets"
)

// TestPlanServiceGraph checks the containers of a microservices target
// without starting them: Redis for the queue hop, each service's
// instances (callees first) with their own budget and --call addresses
// on the run's network, a balancer for auth (2 replicas) and for the
// entry (the gateway).
func TestPlanServiceGraph(t *testing.T) {
	d := newTestDriver(t)
	spec := targets.Spec{Name: "shop", Topology: targets.TopologyMicroservices, Balancer: "go", CPUBudget: 0.2,
		Microservices: &targets.Microservices{Entry: "core", Services: []targets.Service{
			{Name: "auth", Replicas: 2, CPU: time.Millisecond},
			{Name: "core", Replicas: 1, CPU: time.Millisecond, Calls: []string{"auth", "notifications"}},
			{Name: "notifications", Replicas: 1, Queue: true, CPUBudget: 0.5},
		}}}
	p, err := d.plan(context.Background(), spec, spec.Topology)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cs := range p.containers {
		names = append(names, strings.TrimPrefix(cs.name, "sb-"+d.RunID()+"-shop-"))
	}
	want := []string{"redis", "auth-1", "auth-2", "auth-balancer", "notifications-1", "core-1", "core-balancer"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("containers (-want +got):\n%s", diff)
	}
	core := p.containers[5]
	for _, arg := range []string{"--service core", "--call auth=http://sb-" + d.RunID() + "-shop-auth-balancer:8080", "--redis sb-" + d.RunID() + "-shop-redis:6379"} {
		if !strings.Contains(strings.Join(core.cmd, " "), arg) {
			t.Errorf("core command %q lacks %q", core.cmd, arg)
		}
	}
	if p.containers[4].cpus != 0.5 || core.cpus != 0.2 {
		t.Errorf("cpus notifications %v core %v, want 0.5 and 0.2", p.containers[4].cpus, core.cpus)
	}
	if p.entry != 6 || len(p.services) != 3 || !slices.Equal(p.services[0].apps, []int{1, 2}) {
		t.Errorf("entry %d, services %+v; want the core balancer and auth's two instances", p.entry, p.services)
	}
}
