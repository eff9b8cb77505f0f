package docker

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/targets"
)

// testImages stand for the references Driver.images resolves.
var testImages = map[string]string{targets.ImageApp: "scalebench/app:test", targets.ImageNginx: "nginx:test",
	targets.ImageRedis: "redis:test", targets.ImagePostgres: "postgres:test", "me/api:1": "me/api:1"}

// planFor is what Up would start for spec in run RUN on CPU 1, with the
// balancer already chosen, without an engine.
func planFor(t *testing.T, spec targets.Spec) plan {
	t.Helper()
	l, err := targets.Plan(spec)
	if err != nil {
		t.Fatalf("Plan(%s): %v", spec.Name, err)
	}
	p, err := planContainers(planner{spec: spec, layout: l, base: containerName("sb", "RUN", spec.Name), images: testImages, cpus: []int{1}, quota: true})
	if err != nil {
		t.Fatalf("planContainers(%s): %v", spec.Name, err)
	}
	return p
}

// TestPlanFeatures checks what the catalog's Redis-backed topologies start,
// with the process driver's semantics, without an engine (the app image
// of the tests does not serve the feature modes; the CLI tests run them).
func TestPlanFeatures(t *testing.T) {
	tests := []struct {
		spec      targets.Spec
		wantRoles []string
		// wantRedis is the Redis argument expected in the first app
		// command ("" : none); wantEvict says whether Redis evicts.
		wantRedis bool
		wantEvict bool
		wantApp   []string // arguments the first app's command must contain, in order
	}{
		{spec: targets.Spec{Name: "nc", Topology: "nocache"}, wantRoles: []string{"app"}, wantApp: []string{"--mode", "nocache"}},
		{spec: targets.Spec{Name: "c", Topology: "cached", AppArgs: []string{"--keys", "10"}}, wantRoles: []string{"redis", "app"}, wantRedis: true, wantEvict: true, wantApp: []string{"--mode", "cached", "--redis", "sb-RUN-c-redis:6379", "--keys", "10"}},
		{spec: targets.Spec{Name: "q", Topology: "queue", QueueWorkers: 3, CPUBudget: 0.5, MemoryMB: 32}, wantRoles: []string{"redis", "app", "worker", "worker", "worker"}, wantRedis: true, wantApp: []string{"--mode", "queue", "--redis", "sb-RUN-q-redis:6379"}},
		{spec: targets.Spec{Name: "s", Topology: "sync"}, wantRoles: []string{"app"}, wantApp: []string{"--mode", "sync"}},
		{spec: targets.Spec{Name: "sm", Topology: "sessions-memory", Balancer: "nginx"}, wantRoles: []string{"app", "app", "nginx"}, wantApp: []string{"--mode", "sessions", "--session-store", "memory"}},
		{spec: targets.Spec{Name: "sr", Topology: "sessions-redis", Balancer: "go"}, wantRoles: []string{"redis", "app", "app", "balancer"}, wantRedis: true, wantApp: []string{"--session-store", "redis", "--redis", "sb-RUN-sr-redis:6379"}},
		{spec: targets.Spec{Name: "ws", Topology: "ws-redis", Instances: 3, Balancer: "nginx"}, wantRoles: []string{"redis", "app", "app", "app", "nginx"}, wantRedis: true, wantApp: []string{"--ws-adapter", "redis", "--redis", "sb-RUN-ws-redis:6379"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Topology, func(t *testing.T) {
			p := planFor(t, tt.spec)
			var roles []string
			var app, redis *containerSpec
			for i, cs := range p.containers {
				roles = append(roles, cs.role)
				if cs.role == "app" && app == nil {
					app = &p.containers[i]
				}
				if cs.role == "redis" {
					redis = &p.containers[i]
				}
				if cs.role == "worker" {
					want := []string{"worker", "--id", strings.TrimPrefix(cs.name, "sb-RUN-q-"), "--redis", "sb-RUN-q-redis:6379"}
					if !slices.Equal(cs.cmd[:5], want) || cs.cpus != 0.5 || cs.memory != 32<<20 {
						t.Errorf("worker %s: cmd %q, cpus %v, memory %d; want %q…, 0.5, 32 MiB", cs.name, cs.cmd, cs.cpus, cs.memory, want)
					}
				}
			}
			if diff := cmp.Diff(tt.wantRoles, roles); diff != "" {
				t.Errorf("container roles mismatch (-want +got):\n%s", diff)
			}
			if (redis != nil) != tt.wantRedis || (redis != nil && (p.redis < 0 || p.containers[p.redis].role != "redis")) {
				t.Fatalf("redis container %v at %d, want present = %v", redis, p.redis, tt.wantRedis)
			}
			if redis != nil && slices.Contains(redis.cmd, "allkeys-lru") != tt.wantEvict {
				t.Errorf("redis cmd %q: allkeys-lru present = %v, want %v", redis.cmd, !tt.wantEvict, tt.wantEvict)
			}
			want := strings.Join(tt.wantApp, " ")
			if got := strings.Join(app.cmd, " "); !strings.Contains(got, want) {
				t.Errorf("app cmd %q, want it to contain %q", got, want)
			}
			if got := p.containers[p.entry].role; got != tt.wantRoles[len(tt.wantRoles)-1] && got != "app" {
				t.Errorf("entry is a %s container, want the balancer or the only app", got)
			}
		})
	}
}
