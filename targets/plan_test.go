package targets

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// shape is a layout reduced to what a topology decides.
type shape struct {
	Names, Images []string
	Replicas      []int
	Entry         string
	Balancer      string
	Instances     int
}

func shapeOf(l Layout) shape {
	s := shape{Entry: l.Entry, Balancer: l.Balancer, Instances: l.Instances}
	for _, c := range l.Components {
		s.Names = append(s.Names, c.Name)
		s.Images = append(s.Images, c.Image)
		s.Replicas = append(s.Replicas, c.Replicas)
	}
	return s
}

func TestPlanTopologies(t *testing.T) {
	tests := []struct {
		spec Spec
		want shape
	}{
		{Spec{Name: "s", Topology: "single"}, shape{Names: []string{"app"}, Images: []string{ImageApp}, Replicas: []int{1}, Entry: "app", Instances: 1}},
		{Spec{Name: "c", Topology: "cluster"}, shape{Names: []string{"cluster"}, Images: []string{ImageApp}, Replicas: []int{1}, Entry: "cluster", Balancer: "kernel", Instances: 2}},
		{Spec{Name: "r", Topology: "replicas", Instances: 3, Balancer: "nginx"}, shape{Names: []string{"app", "balancer"}, Images: []string{ImageApp, ImageNginx}, Replicas: []int{3, 1}, Entry: "balancer", Balancer: "nginx", Instances: 3}},
		{Spec{Name: "g", Topology: "replicas", Balancer: "go"}, shape{Names: []string{"app", "balancer"}, Images: []string{ImageApp, ImageApp}, Replicas: []int{2, 1}, Entry: "balancer", Balancer: "go", Instances: 2}},
		{Spec{Name: "c1", Topology: "cached"}, shape{Names: []string{"redis", "app"}, Images: []string{ImageRedis, ImageApp}, Replicas: []int{1, 1}, Entry: "app", Instances: 1}},
		{Spec{Name: "q", Topology: "queue", Instances: 2, QueueWorkers: 3, Balancer: "nginx"}, shape{Names: []string{"redis", "app", "worker", "balancer"}, Images: []string{ImageRedis, ImageApp, ImageApp, ImageNginx}, Replicas: []int{1, 2, 3, 1}, Entry: "balancer", Balancer: "nginx", Instances: 2}},
		{Spec{Name: "i", Topology: "image", Image: "me/api:1", Port: 3000, Instances: 2, Balancer: "nginx"}, shape{Names: []string{"app", "balancer"}, Images: []string{"me/api:1", ImageNginx}, Replicas: []int{2, 1}, Entry: "balancer", Balancer: "nginx", Instances: 2}},
	}
	for _, tt := range tests {
		l, err := Plan(tt.spec)
		if err != nil {
			t.Fatalf("Plan(%s) error: %v", tt.spec.Topology, err)
		}
		if diff := cmp.Diff(tt.want, shapeOf(l)); diff != "" {
			t.Errorf("Plan(%s) mismatch (-want +got):\n%s", tt.spec.Name, diff)
		}
	}
}

func TestPlanDetails(t *testing.T) {
	l, err := Plan(Spec{Name: "q", Topology: "queue", CPUBudget: 0.5, MemoryMB: 64, GOMAXPROCS: 1, AppArgs: []string{"--job-cpu", "5ms"}, Instances: 2, Balancer: "go"})
	if err != nil {
		t.Fatal(err)
	}
	app, _ := l.Component("app")
	if got := strings.Join(app.Args, " "); !strings.Contains(got, "--mode queue --redis redis:6379 --job-cpu 5ms") {
		t.Errorf("app args = %q, want the topology's flags, then --redis, then the spec's", got)
	}
	if app.CPUs != 0.5 || app.MemoryMB != 64 || app.Env["GOMAXPROCS"] != "1" || app.Env["PORT"] != "8080" {
		t.Errorf("app limits/env = %v CPUs, %d MB, env %v", app.CPUs, app.MemoryMB, app.Env)
	}
	redis, _ := l.Component("redis")
	if strings.Contains(strings.Join(redis.Args, " "), "allkeys-lru") {
		t.Errorf("queue redis args %q evict; a queue must not lose jobs", redis.Args)
	}
	bal, _ := l.Component("balancer")
	if bal.Upstream != "app" || !strings.Contains(strings.Join(bal.Args, " "), "--upstream app:8080") {
		t.Errorf("balancer = %+v, want upstream app", bal)
	}
	c, _ := Plan(Spec{Name: "c", Topology: "cluster", Instances: 4, CPUBudget: 0.25, MemoryMB: 32})
	cl := c.Components[0]
	if cl.CPUs != 1 || cl.MemoryMB != 128 || cl.Workers != 4 {
		t.Errorf("cluster = %v CPUs, %d MB, %d workers; want 4 budgets in one component", cl.CPUs, cl.MemoryMB, cl.Workers)
	}
	cached, _ := Plan(Spec{Name: "c", Topology: "cached"})
	if r, _ := cached.Component("redis"); !strings.Contains(strings.Join(r.Args, " "), "allkeys-lru") {
		t.Errorf("cache redis args %q: want allkeys-lru", r.Args)
	}
}

func TestPlanRefuses(t *testing.T) {
	for _, spec := range []Spec{
		{Name: "x", Topology: "command"},
		{Name: "x", Topology: "url", URL: "ftp://example"},
		{Name: "x", Topology: "nope"},
		{Name: "x", Topology: "image"},
	} {
		if _, err := Plan(spec); err == nil || !strings.Contains(err.Error(), `target "x"`) {
			t.Errorf("Plan(%s) error = %v, want one naming the target", spec.Topology, err)
		}
	}
	for _, spec := range []Spec{
		{Name: "x", Topology: "command", Command: []string{"./srv"}},
		{Name: "x", Topology: "url", URL: "http://127.0.0.1:3000"},
		{Name: "x", Topology: "db-primary", Database: &DatabaseSpec{Shards: 1}},
	} {
		if _, err := PlanImages(spec); err == nil || !strings.Contains(err.Error(), `target "x"`) {
			t.Errorf("PlanImages(%s) error = %v, want one naming the target", spec.Topology, err)
		}
	}
}

func TestPlanLocal(t *testing.T) {
	l, err := Plan(Spec{Name: "c", Topology: "command", Command: []string{"node", "server.js"}, Dir: "/srv", Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(shape{Names: []string{"app", "balancer"}, Images: []string{"", ImageNginx}, Replicas: []int{2, 1}, Entry: "balancer", Balancer: "nginx", Instances: 2}, shapeOf(l)); diff != "" {
		t.Errorf("Plan(command) mismatch (-want +got):\n%s", diff)
	}
	if app, _ := l.Component("app"); app.Dir != "/srv" || len(app.Command) != 2 || l.Health != "/" {
		t.Errorf("Plan(command) app = %+v, health %q; want the command, its dir and health /", app, l.Health)
	}
	u, err := Plan(Spec{Name: "u", Topology: "url", URL: "http://127.0.0.1:3000/", Health: "ready"})
	if err != nil || u.URL != "http://127.0.0.1:3000" || len(u.Components) != 0 || u.Health != "/ready" {
		t.Errorf("Plan(url) = %+v, %v; want the URL without its slash, nothing to start, health /ready", u, err)
	}
}

func TestPlanDatabase(t *testing.T) {
	spec := Spec{Name: "d", Topology: "db-replicas", Database: &DatabaseSpec{Shards: 1, Replicas: 2, ReadFrom: "replicas", CPUBudget: 0.5}}
	l, err := Plan(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := shape{Names: []string{"pg-primary", "pg-replica-1", "pg-replica-2", "app"}, Images: []string{ImagePostgres, ImagePostgres, ImagePostgres, ImageApp}, Replicas: []int{1, 1, 1, 1}, Entry: "app", Instances: 1}
	if diff := cmp.Diff(want, shapeOf(l)); diff != "" {
		t.Errorf("Plan(db-replicas) mismatch (-want +got):\n%s", diff)
	}
	r, _ := l.Component("pg-replica-2")
	if r.Primary != "pg-primary" || r.Node == nil || r.Node.Name != "replica-2" || r.CPUs != 0.5 {
		t.Errorf("replica component = %+v, want a copy of pg-primary with the node budget", r)
	}
	app, _ := l.Component("app")
	got := strings.Join(RenderArgs(app.Flags, func(name string) string { return "<" + name + ">" }), " ")
	if want := "--mode db --pg-read-from replicas --pg-primary <pg-primary> --pg-replica <pg-replica-1> --pg-replica <pg-replica-2>"; got != want {
		t.Errorf("app flags = %q, want %q", got, want)
	}
	if !strings.Contains(strings.Join(app.Args, " "), "--pg-primary "+PostgresDSN("pg-primary", PostgresPort)) {
		t.Errorf("app args = %q, want the primary's DSN on the network", app.Args)
	}
}
