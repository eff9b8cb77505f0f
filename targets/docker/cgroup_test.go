package docker

import (
	"context"
	"testing"
)

// TestCgroupUsageMatchesStats reads a running container's usage from its
// cgroup files and from the engine's stats API: both count the same.
func TestCgroupUsageMatchesStats(t *testing.T) {
	needEngine(t)
	d := newTestDriver(t)
	ctx := context.Background()
	r, err := d.StartRedis(ctx, "cg", "redis")
	if err != nil {
		t.Fatalf("StartRedis: %v", err)
	}
	defer r.Remove(ctx)
	got, err := d.containerUsage(ctx, r.c)
	if err != nil {
		t.Fatalf("containerUsage: %v", err)
	}
	if r.c.cg == nil {
		t.Log("engine not local: usage came from the stats API")
	}
	s, err := d.stats(ctx, r.c.id)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	want := usage{cpuSeconds: float64(s.CPUStats.CPUUsage.TotalUsage) / 1e9, memory: memoryInUse(s)}
	if got.cpuSeconds <= 0 || got.cpuSeconds > want.cpuSeconds+0.5 {
		t.Errorf("cgroup CPU %.4f s, stats API %.4f s a little later; want > 0 and not above it", got.cpuSeconds, want.cpuSeconds)
	}
	if got.memory == 0 || got.memory > 2*want.memory || want.memory > 2*got.memory {
		t.Errorf("cgroup memory %d B, stats API %d B; want within 2×", got.memory, want.memory)
	}
}
