package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/scalebench/scalebench/faults"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// faultable is what the runner needs from a deployment to carry out a
// target's faults. Each method blocks until its action is over; an action
// interrupted by ctx undoes what it must (a paused process is resumed).
type faultable interface {
	// Kill sends signal (KILL or TERM) to instance ("1"…"N" or
	// "balancer") and returns when its replacement (the driver's restart,
	// or the cluster primary's) served a request; zero time when none did
	// before ctx ended.
	Kill(ctx context.Context, instance, signal string) (replacedAt time.Time, err error)
	// Pause stops instance (SIGSTOP, or docker pause) for d, then resumes it.
	Pause(ctx context.Context, instance string, d time.Duration) error
	// RollingRestart replaces every instance in turn: out of the balancer
	// (or the graceful signal), drain, stop, start a new one, wait until
	// ready, back in.
	RollingRestart(ctx context.Context, drain time.Duration) error
	// RedisDown stops the target's Redis for d and starts it again.
	RedisDown(ctx context.Context, d time.Duration) error
	// Scale adds or removes instances behind the balancer until there are to.
	Scale(ctx context.Context, to int, drain time.Duration) error
}

// faultRun carries out one target's faults (and autoscaler) on a clock
// that starts with its first measured step.
type faultRun struct {
	Observer
	ctx    context.Context
	cancel context.CancelFunc
	target scenarios.Target
	dep    targets.Deployment
	budget float64
	limit  time.Duration // the measured time of this run (quick runs are shorter)

	once sync.Once
	wg   sync.WaitGroup

	mu     sync.Mutex
	t0     time.Time
	fired  []firedFault      // by index into target.Faults
	events []timedScaleEvent // autoscale and scale faults
	counts []instanceCount   // instance count changes, in order
	errs   []string
}

// firedFault is what happened when one fault was carried out.
type firedFault struct {
	fired              bool
	start, end, replAt time.Time
	err                error
}

// timedScaleEvent is a ScaleEvent on the wall clock.
type timedScaleEvent struct {
	start, ready time.Time
	ev           results.ScaleEvent
}

// instanceCount is the instance count from at on.
type instanceCount struct {
	at time.Time
	n  int
}

// withFaults wraps obs so that the target's faults and autoscaler start
// with its first measured phase. It returns nil when the target has none.
func withFaults(ctx context.Context, sc *scenarios.Scenario, t scenarios.Target, dep targets.Deployment, obs Observer, quick bool) *faultRun {
	if len(t.Faults) == 0 && t.Autoscale == nil {
		return nil
	}
	fctx, cancel := context.WithCancel(ctx)
	fr := &faultRun{Observer: obs, ctx: fctx, cancel: cancel, target: t, dep: dep,
		budget: Spec(sc, t, "").CPUBudget, fired: make([]firedFault, len(t.Faults)), limit: measuredTime(sc, quick)}
	return fr
}

// measuredTime is how long the measured phases run in this run.
func measuredTime(sc *scenarios.Scenario, quick bool) time.Duration {
	var total time.Duration
	n := 0
	for _, ph := range Phases(sc, quick) {
		if !ph.Discard {
			total += ph.Duration
			n++
		}
	}
	if n > 1 {
		total += time.Duration(n-1) * sc.Defaults.Cooldown.D()
	}
	return total
}

// PhaseStarted starts the faults' clock at the first measured phase.
func (fr *faultRun) PhaseStarted(target string, ph load.Phase, measured int) {
	fr.Observer.PhaseStarted(target, ph, measured)
	if !ph.Discard {
		fr.once.Do(fr.start)
	}
}

// start schedules every fault and starts the autoscaler.
func (fr *faultRun) start() {
	fr.mu.Lock()
	fr.t0 = time.Now()
	fr.counts = append(fr.counts, instanceCount{fr.t0, fr.dep.Info().Instances})
	fr.mu.Unlock()
	fr.startFaults()
	if a := fr.target.Autoscale; a != nil {
		fr.startAutoscale(*a) // autoscale.go
	}
}

// startFaults schedules every fault the measured time reaches.
func (fr *faultRun) startFaults() {
	if len(fr.target.Faults) == 0 {
		return
	}
	fd, ok := fr.dep.(faultable)
	if !ok {
		fr.note("the %s driver cannot carry out faults on this target", fr.dep.Info().Driver)
		return
	}
	for i, f := range fr.target.Faults {
		if f.At.D() >= fr.limit {
			continue // reported as not reached
		}
		fr.wg.Go(func() { fr.fire(fd, i, f) })
	}
}

// fire waits for the fault's time and carries it out.
func (fr *faultRun) fire(fd faultable, i int, f scenarios.Fault) {
	if !sleep(fr.ctx, time.Until(fr.t0.Add(f.At.D()))) {
		return
	}
	ff := firedFault{fired: true, start: time.Now()}
	switch f.Action {
	case scenarios.FaultKill:
		ff.replAt, ff.err = fd.Kill(fr.ctx, instanceOf(f), f.Signal)
		ff.end = ff.start
	case scenarios.FaultPause:
		ff.err = fd.Pause(fr.ctx, instanceOf(f), f.For.D())
	case scenarios.FaultRollingRestart:
		ff.err = fd.RollingRestart(fr.ctx, f.Drain.D())
	case scenarios.FaultRedisDown:
		ff.err = fd.RedisDown(fr.ctx, f.For.D())
	case scenarios.FaultScale:
		from := fr.instances()
		ff.err = fd.Scale(fr.ctx, f.To, f.Drain.D())
		fr.scaled(ff.start, results.ScaleEvent{From: from, To: f.To, Reason: "fault"}, ff.err)
	}
	if ff.end.IsZero() {
		ff.end = time.Now()
	}
	fr.mu.Lock()
	fr.fired[i] = ff
	fr.mu.Unlock()
}

// instanceOf is the fault's instance, "1" when it names none.
func instanceOf(f scenarios.Fault) string {
	if f.Instance == "" {
		return "1"
	}
	return f.Instance
}

// instances is the current instance count.
func (fr *faultRun) instances() int {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	return fr.counts[len(fr.counts)-1].n
}

// scaled records a finished scale (ready now).
func (fr *faultRun) scaled(start time.Time, ev results.ScaleEvent, err error) {
	if err != nil {
		ev.Error = err.Error()
	}
	now := time.Now()
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.events = append(fr.events, timedScaleEvent{start: start, ready: now, ev: ev})
	if err == nil {
		fr.counts = append(fr.counts, instanceCount{now, ev.To})
	}
}

// note records a target warning.
func (fr *faultRun) note(format string, args ...any) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	fr.errs = append(fr.errs, fmt.Sprintf(format, args...))
}

// finish stops what still runs and records every fault's cost in tr.
func (fr *faultRun) finish(tr *results.Target) {
	fr.cancel()
	fr.wg.Wait()
	fr.mu.Lock()
	defer fr.mu.Unlock()
	tr.Warnings = append(tr.Warnings, fr.errs...)
	if len(tr.Steps) == 0 || fr.t0.IsZero() {
		return
	}
	t0 := tr.Steps[0].StartedAt
	since := func(t time.Time) float64 { return t.Sub(t0).Seconds() }
	tl := faults.Timeline(tr.Steps)
	for i, f := range fr.target.Faults {
		rf := results.Fault{Action: f.Action, Instance: f.Instance, Signal: f.Signal, To: f.To, AtS: f.At.D().Seconds()}
		if f.Action == scenarios.FaultKill || f.Action == scenarios.FaultPause {
			rf.Instance = instanceOf(f)
		}
		ff := fr.fired[i]
		switch {
		case !ff.fired:
			rf.Error = fmt.Sprintf("not carried out: the measured steps (%v) ended before %v", fr.limit, f.At)
		default:
			rf.AtS, rf.EndS = since(ff.start), since(ff.end)
			faults.Cost(tl, &rf)
			if ff.err != nil {
				rf.Error = ff.err.Error()
			}
			if !ff.replAt.IsZero() {
				r := ff.replAt.Sub(ff.start).Seconds()
				rf.ReplacedAfterS = &r
			}
		}
		if rf.Error != "" {
			tr.Warnings = append(tr.Warnings, fmt.Sprintf("fault %d (%s at %v): %s", i+1, f.Action, f.At, rf.Error))
		}
		tr.Faults = append(tr.Faults, rf)
	}
	for _, e := range fr.events {
		ev := e.ev
		ev.AtS, ev.ReadyS = since(e.start), since(e.ready)
		_, ev.Errors, ev.MaxLatencyMs = faults.Span(tl, ev.AtS, ev.ReadyS)
		tr.ScaleEvents = append(tr.ScaleEvents, ev)
	}
	if len(fr.events) > 0 {
		markInstances(tr, fr.counts)
	}
}

// markInstances sets each timeline second's instance count.
func markInstances(tr *results.Target, counts []instanceCount) {
	for si := range tr.Steps {
		s := &tr.Steps[si]
		for pi := range s.Timeline {
			at := s.StartedAt.Add(time.Duration(s.Timeline[pi].T * float64(time.Second)))
			n := counts[0].n
			for _, c := range counts {
				if !c.at.After(at) {
					n = c.n
				}
			}
			s.Timeline[pi].Instances = n
		}
	}
}
