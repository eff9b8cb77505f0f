package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
)

// sharedSaturation is the share of the agents' CPUs at which they count as
// saturated together (the generator's own rule, see load/validity.go).
const sharedSaturation = 0.90

// judgeShared applies the generator CPU rule to the agents together: on
// CPUs they share, each agent alone can look idle while the CPUs are full.
func (w *agentsWorkload) judgeShared(s *results.Step) {
	if w.cpus <= 0 {
		return
	}
	s.Generator.CPUsAvailable = w.cpus
	s.Generator.Saturated = s.Generator.CPUCores >= sharedSaturation*float64(w.cpus)
	if s.Generator.Saturated {
		s.Valid = false
		s.Warnings = append(s.Warnings, fmt.Sprintf("generator CPUs saturated: the %d agents together used %.2f of %d cores (≥ %.0f%%); sends and timings may be late",
			len(w.pool.Clients), s.Generator.CPUCores, w.cpus, 100*sharedSaturation))
	}
}

// sample reads the target's cumulative resource use (false when it cannot).
func (w *agentsWorkload) sample(ctx context.Context) (load.Usage, bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	u, err := w.dep.Sample(ctx)
	return load.Usage{CPUSeconds: u.CPUSeconds, RSSBytes: u.RSSBytes}, err == nil
}

// setResources records the target's CPU over the whole phase, sampled by
// the coordinator before and after it (agents do not sample the target):
// two samples, so the mean is exact and the max is the mean.
func setResources(s *results.Step, u0, u1 load.Usage, wall time.Duration) {
	s.Resources.Samples = 2
	s.Resources.RSSBytesMax = max(u0.RSSBytes, u1.RSSBytes)
	if wall > 0 && u1.CPUSeconds >= u0.CPUSeconds {
		cores := (u1.CPUSeconds - u0.CPUSeconds) / wall.Seconds()
		s.Resources.CPUCoresMean = float64(int(cores*1000+0.5)) / 1000
		s.Resources.CPUCoresMax = s.Resources.CPUCoresMean
	}
}

// refusedSteps stands for a phase no agent was given: every step it would
// have had, invalid, with the reason and no figures.
func refusedSteps(ph load.Phase, why string) []results.Step {
	windows := 1
	if ph.RampTo > 0 {
		windows = ph.Windows
		if windows <= 0 {
			windows = load.DefaultWindows
		}
	}
	out := make([]results.Step, windows)
	for k := range out {
		out[k] = results.Step{
			Index:       ph.Index + k,
			Model:       ph.Model,
			OfferedRate: ph.Rate,
			Concurrency: ph.Concurrency,
			StartedAt:   time.Now().UTC().Round(time.Millisecond),
			DurationS:   (ph.Duration / time.Duration(windows)).Seconds(),
			Warnings:    []string{why},
		}
	}
	return out
}

// tick reports the phase's elapsed time once a second while the agents
// run it (agents answer at the end of the phase, so there are no live
// counts or latencies); the returned func stops it.
func (w *agentsWorkload) tick(ph load.Phase, start time.Time) func() {
	if w.live == nil {
		return func() {}
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				w.live(load.Live{Elapsed: max(0, now.Sub(start)), Duration: ph.Duration})
			}
		}
	}()
	return func() { close(done); <-exited }
}
