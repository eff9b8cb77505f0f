package docker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/targets"
)

// sample sums CPU time and memory in use over the containers: from their
// cgroup files when the engine is local, else from one stats snapshot
// (stream=false) each. The engine answers a stats request after about a
// second, so the containers are read in parallel.
func (d *Driver) sample(ctx context.Context, cs []*container) (targets.Usage, error) {
	var (
		mu   sync.Mutex
		u    targets.Usage
		errs []error
		wg   sync.WaitGroup
	)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cu, err := d.containerUsage(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("stats of %s: %w", c.name, err))
				return
			}
			u.CPUSeconds += cu.cpuSeconds
			u.RSSBytes += cu.memory
		}()
	}
	wg.Wait()
	return u, errors.Join(errs...)
}

// stats reads one stats snapshot of a container.
func (d *Driver) stats(ctx context.Context, id string) (*dc.Stats, error) {
	ch := make(chan *dc.Stats, 4)
	err := d.pool.Client.Stats(dc.StatsOptions{ID: id, Stats: ch, Stream: false, Context: ctx})
	var last *dc.Stats
	for s := range ch {
		last = s
	}
	if err != nil {
		return nil, err
	}
	if last == nil {
		return nil, errors.New("no stats returned")
	}
	return last, nil
}

// memoryInUse is memory usage without the inactive page cache, as
// `docker stats` shows it (cgroup v1: total_inactive_file; v2: inactive_file).
func memoryInUse(s *dc.Stats) uint64 {
	m := s.MemoryStats
	inactive := m.Stats.TotalInactiveFile
	if inactive == 0 {
		inactive = m.Stats.InactiveFile
	}
	if inactive < m.Usage {
		return m.Usage - inactive
	}
	return m.Usage
}
