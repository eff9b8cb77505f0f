package docker

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/targets"
)

// brief is a container spec reduced to what a plan decides.
type brief struct {
	Role, Name, Image, Cmd string
	Port                   int
	CPUs                   float64
	MemoryMB               int64
}

func briefs(p plan) []brief {
	var out []brief
	for _, cs := range p.containers {
		out = append(out, brief{Role: cs.role, Name: cs.name, Image: cs.image, Cmd: strings.Join(cs.cmd, " "), Port: cs.port, CPUs: cs.cpus, MemoryMB: cs.memory >> 20})
	}
	return out
}

// TestPlanContainers pins the containers of each kind of topology: names,
// images, commands, limits, the entry and the backends checked first.
func TestPlanContainers(t *testing.T) {
	const serve = "serve --addr 0.0.0.0 --port 8080 --id "
	tests := []struct {
		spec     targets.Spec
		want     []brief
		entry    int
		backends []int
	}{
		{spec: targets.Spec{Name: "s", Topology: "single", CPUBudget: 0.5, MemoryMB: 64, AppArgs: []string{"--cpu-work", "1ms"}},
			want: []brief{{Role: "app", Name: "sb-RUN-s-app", Image: "scalebench/app:test", Cmd: serve + "app --cpu-work 1ms", Port: 8080, CPUs: 0.5, MemoryMB: 64}}},
		{spec: targets.Spec{Name: "c", Topology: "cluster", Instances: 3, CPUBudget: 0.5, MemoryMB: 10},
			want: []brief{{Role: "cluster", Name: "sb-RUN-c-cluster", Image: "scalebench/app:test", Cmd: serve + "cluster --workers 3", Port: 8080, CPUs: 1.5, MemoryMB: 30}}},
		{spec: targets.Spec{Name: "r", Topology: "replicas", Instances: 2, Balancer: "go", Policy: "least_conn"},
			want: []brief{
				{Role: "app", Name: "sb-RUN-r-app-0", Image: "scalebench/app:test", Cmd: serve + "replica-0", Port: 8080},
				{Role: "app", Name: "sb-RUN-r-app-1", Image: "scalebench/app:test", Cmd: serve + "replica-1", Port: 8080},
				{Role: "balancer", Name: "sb-RUN-r-balancer", Image: "scalebench/app:test", Cmd: "balance --addr 0.0.0.0 --port 8080 --upstream-file /tmp/upstreams --policy least_conn", Port: 8080},
			}, entry: 2, backends: []int{0, 1}},
		{spec: targets.Spec{Name: "i", Topology: "image", Image: "me/api:1", Port: 3000},
			want: []brief{{Role: "app", Name: "sb-RUN-i-app-0", Image: "me/api:1", Port: 3000}}},
		{spec: targets.Spec{Name: "d", Topology: "db-replicas", Database: &targets.DatabaseSpec{Shards: 1, Replicas: 1, ReadFrom: "replicas", CPUBudget: 0.25}},
			want: []brief{
				{Role: "postgres", Name: "sb-RUN-d-pg-primary", Image: "postgres:test", Port: 5432, CPUs: 0.25},
				{Role: "postgres", Name: "sb-RUN-d-pg-replica-1", Image: "postgres:test", Port: 5432, CPUs: 0.25},
				{Role: "app", Name: "sb-RUN-d-app", Image: "scalebench/app:test", Port: 8080, Cmd: serve + "app --mode db --pg-read-from replicas" +
					" --pg-primary postgres://postgres@sb-RUN-d-pg-primary:5432/postgres?sslmode=disable" +
					" --pg-replica postgres://postgres@sb-RUN-d-pg-replica-1:5432/postgres?sslmode=disable"},
			}, entry: 2},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Name, func(t *testing.T) {
			p := planFor(t, tt.spec)
			got := briefs(p)
			for i := range got {
				if got[i].Role == roleDatabase {
					got[i].Cmd = "" // pgCommand's own test covers it
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("containers mismatch (-want +got):\n%s", diff)
			}
			if p.entry != tt.entry || !cmp.Equal(p.backends, tt.backends) {
				t.Errorf("entry %d, backends %v; want %d, %v", p.entry, p.backends, tt.entry, tt.backends)
			}
			for _, cs := range p.containers {
				if !cmp.Equal(cs.cpuset, []int{1}) {
					t.Errorf("%s cpuset %v, want the target CPUs", cs.name, cs.cpuset)
				}
			}
		})
	}
}

// TestPlanInfo checks the deployment record a plan starts from.
func TestPlanInfo(t *testing.T) {
	p := planFor(t, targets.Spec{Name: "q", Topology: "queue", Instances: 2, Balancer: "nginx", CPUBudget: 0.5, MemoryMB: 16, GOMAXPROCS: 1})
	want := map[string]string{"app": "scalebench/app:test", "redis": "redis:test", "nginx": "nginx:test"}
	if diff := cmp.Diff(want, p.info.Images); diff != "" {
		t.Errorf("Images mismatch (-want +got):\n%s", diff)
	}
	if p.info.Instances != 2 || p.info.Balancer != "nginx" || p.info.BalancerPolicy != "round_robin" || !p.info.CPUBudgetEnforced || p.info.MemoryLimitBytes != 16<<20 {
		t.Errorf("info = %+v", p.info)
	}
	if p.redis != 0 || p.health != "/healthz" {
		t.Errorf("redis at %d, health %q; want 0, /healthz", p.redis, p.health)
	}
	conf := string(p.containers[len(p.containers)-1].files[nginxConfPath])
	if !strings.Contains(conf, "sb-RUN-q-app-0:8080") || !strings.Contains(conf, "sb-RUN-q-app-1:8080") {
		t.Errorf("nginx.conf does not list both app containers:\n%s", conf)
	}
}
