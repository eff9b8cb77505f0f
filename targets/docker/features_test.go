package docker

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/targets"
)

// TestPlanFeatures checks what the catalog's Redis-backed topologies start,
// with the process driver's semantics, without starting it (the app image
// of the tests does not serve the feature modes; the CLI tests run them).
func TestPlanFeatures(t *testing.T) {
	d := newTestDriver(t)
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
			p, err := d.plan(context.Background(), tt.spec, tt.spec.Topology)
			if err != nil {
				t.Fatalf("plan(%s): %v", tt.spec.Topology, err)
			}
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
					want := []string{"worker", "--redis", "sb-" + d.RunID() + "-q-redis:6379"}
					if !slices.Equal(cs.cmd[:3], want) || cs.cpus != 0.5 || cs.memory != 32<<20 {
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
			want = strings.ReplaceAll(want, "RUN", d.RunID())
			if got := strings.Join(app.cmd, " "); !strings.Contains(got, want) {
				t.Errorf("app cmd %q, want it to contain %q", got, want)
			}
			if got := p.containers[p.entry].role; got != tt.wantRoles[len(tt.wantRoles)-1] && got != "app" {
				t.Errorf("entry is a %s container, want the balancer or the only app", got)
			}
		})
	}
}
