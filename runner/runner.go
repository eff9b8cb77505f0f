package runner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/scalebench/scalebench/agents"
	"github.com/scalebench/scalebench/analysis"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// Driver is what the runner needs from a target driver.
type Driver interface {
	Name() string
	Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error)
}

// Observer hears about progress. Every method must return quickly.
type Observer interface {
	// TargetStarted is called before a target is brought up.
	TargetStarted(name string, index, total int)
	// PhaseStarted is called before each phase (warm-up included).
	PhaseStarted(target string, ph load.Phase, measured int)
	// Live is called about once a second during a phase.
	Live(target string, live load.Live)
	// TargetDone is called after a target is torn down.
	TargetDone(t *results.Target)
	// Warn is called with each new run-wide warning (e.g. from the driver).
	Warn(msg string)
}

// driverState is what the runner reads from a driver, when it offers it,
// before the first target and after each one: findings such as "CPU
// budgets not enforced" may only appear once a target asked for a budget.
type driverState interface {
	Warnings() []string
	Environment(env *results.Environment)
}

// Options configure one run.
type Options struct {
	// Dir is the run's folder; results.json is (re)written there after each target.
	Dir string
	// Driver brings targets up.
	Driver Driver
	// Quick caps warm-up and step durations for smoke runs.
	Quick bool
	// Only, when not empty, limits the run to these target names.
	Only []string
	// GeneratorCPUs is how many CPUs the load generator may use (0: all).
	GeneratorCPUs int
	// Observer receives progress (optional).
	Observer Observer
	// AfterTarget, when set, is called after each target but the last, once
	// its results are written (e.g. to render reports so far); its error
	// becomes a run warning.
	AfterTarget func(ctx context.Context, run *results.Run) error
	// DownTimeout bounds tearing one target down (default 15s).
	DownTimeout time.Duration
	// Trials is how many times each target is measured (0: the
	// scenario's defaults.trials); see trials.go.
	Trials int
	// MinEffect is the smallest difference the verdict calls a win (0:
	// the scenario's defaults.min_effect).
	MinEffect float64
	// NoHealthCheck skips the health check of url: targets before load.
	NoHealthCheck bool
	// Scrub, when set, removes secrets from the run in place; it is called
	// before every write of results.json and before a finished target is
	// shown to the Observer (see secrets.Redactor.Scrub).
	Scrub func(run *results.Run)
	// Agents, when set, are the generator agents that send the load
	// (run --generators N; the caller starts and closes them). Plain
	// request scenarios only.
	Agents *agents.Pool
}

// Run measures every target of the scenario in order and returns the run,
// which is also written to opts.Dir/results.json after each target. It
// returns early — with what was measured, status "interrupted" — when ctx
// ends. A target that fails is recorded as failed and the run goes on.
func Run(ctx context.Context, run *results.Run, sc *scenarios.Scenario, opts Options) error {
	if opts.DownTimeout == 0 {
		opts.DownTimeout = 15 * time.Second
	}
	obs := opts.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	list := expandSweeps(selectTargets(sc.Targets, opts.Only)) // sweep.go
	run.Status = results.RunRunning
	scrub := func() {
		if opts.Scrub != nil {
			opts.Scrub(run)
		}
	}
	scrub()
	if err := results.Write(opts.Dir, run); err != nil {
		return err
	}
	phases := Phases(sc, opts.Quick)
	syncDriver(run, opts.Driver, obs)
	warnFileLimit(run, sc, opts.Quick, obs) // websocket.go
	trials := trialCount(sc, opts)
	if trials > 1 {
		run.Trials = trials
	}
	store := trialStore{}
	stopped := map[string]bool{} // sweeps stopped by oversubscription
	total := trials * len(list)
	for k := 0; k < trials; k++ {
		for j, t := range rotate(list, k) {
			if store.failed(t.Name) || (ctx.Err() != nil && len(store[t.Name]) > 0) {
				continue
			}
			n := k*len(list) + j
			if ctx.Err() != nil {
				store[t.Name] = append(store[t.Name], &results.Target{Name: t.Name, Topology: Spec(sc, t, run.ID).Topology, Status: results.StatusSkipped, Error: "run interrupted before this target started", Steps: []results.Step{}})
				run.Targets = store.targets(list, sc.SLO)
				continue
			}
			obs.TargetStarted(t.Name, n, total)
			tr := measurePlanned(ctx, run, sc, t, phases, opts, obs, stopped)
			store[t.Name] = append(store[t.Name], tr)
			run.Targets = store.targets(list, sc.SLO)
			analyseScaling(run, sc)
			run.Analysis = analysis.Of(run, minEffect(sc, opts))
			scrub()
			obs.TargetDone(scrubbed(opts, tr))
			syncDriver(run, opts.Driver, obs)
			scrub()
			if err := results.Write(opts.Dir, run); err != nil {
				return err
			}
			if opts.AfterTarget != nil && n < total-1 {
				if err := afterTarget(ctx, opts.AfterTarget, run); err != nil {
					run.Warnings = append(run.Warnings, fmt.Sprintf("after target %q: %v", t.Name, err))
				}
			}
		}
	}
	analyseScaling(run, sc)
	run.Analysis = analysis.Of(run, minEffect(sc, opts))
	run.FinishedAt = time.Now().UTC()
	run.Status = results.RunCompleted
	if ctx.Err() != nil {
		run.Status = results.RunInterrupted
	}
	scrub()
	return results.Write(opts.Dir, run)
}

// syncDriver refreshes the run's environment from the driver and records
// (and announces) the driver's new warnings.
func syncDriver(run *results.Run, drv Driver, obs Observer) {
	ds, ok := drv.(driverState)
	if !ok {
		return
	}
	ds.Environment(&run.Environment)
	for _, w := range ds.Warnings() {
		if !slices.Contains(run.Warnings, w) {
			run.Warnings = append(run.Warnings, w)
			obs.Warn(w)
		}
	}
}

// afterTarget calls hook, turning a panic into an error: a bug in what
// runs between targets (report rendering) must not lose the run.
func afterTarget(ctx context.Context, hook func(context.Context, *results.Run) error, run *results.Run) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return hook(ctx, run)
}

// measure runs one target through its phases: up, warm-up, steps, down.
func measure(ctx context.Context, sc *scenarios.Scenario, t scenarios.Target, phases []load.Phase, runID string, opts Options, obs Observer) *results.Target {
	spec := Spec(sc, t, runID)
	tr := &results.Target{Name: t.Name, Topology: spec.Topology, Status: results.StatusOK, StartedAt: time.Now().UTC(), Steps: []results.Step{}}
	if topo, ok := targets.Lookup(spec.Topology); ok {
		tr.Description = topo.Summary
	}
	defer func() { tr.FinishedAt = time.Now().UTC() }()

	dep, err := opts.Driver.Up(ctx, spec)
	if err != nil {
		tr.Status, tr.Error = results.StatusFailed, err.Error()
		var withLogs interface{ Logs() map[string]string }
		if errors.As(err, &withLogs) {
			tr.Logs = withLogs.Logs()
		}
		if ctx.Err() != nil {
			tr.Status = results.StatusInterrupted
		}
		tr.Deployment.Driver = opts.Driver.Name()
		return tr
	}
	defer down(dep, tr, opts.DownTimeout)
	tr.Deployment = dep.Info()
	if spec.Topology == "url" && !opts.NoHealthCheck {
		if err := checkURLHealth(ctx, dep.Endpoint(), t.Health); err != nil {
			tr.Status, tr.Error = results.StatusFailed, err.Error()
			return tr
		}
	}

	w, err := newWorkload(sc, t, dep, opts, func(l load.Live) { obs.Live(t.Name, l) })
	if err != nil {
		tr.Status, tr.Error = results.StatusFailed, err.Error()
		return tr
	}
	fr := withFaults(ctx, sc, t, dep, obs, opts.Quick)
	if fr != nil {
		obs = fr
	}
	finish := driveLoad(ctx, w, dep, phases, sc, tr, opts, obs) // search.go
	if fr != nil {
		fr.finish(tr)
	}
	if f, ok := w.(finisher); ok && ctx.Err() == nil {
		f.Finish(ctx, tr)
	}
	judge(tr, sc.SLO)
	finish()
	return tr
}

// drive runs the phases in order, stopping at the first sign that the
// target died or the run was interrupted.
func drive(ctx context.Context, w workload, dep targets.Deployment, phases []load.Phase, sc *scenarios.Scenario, tr *results.Target, obs Observer) {
	measured := 0
	for i, ph := range phases {
		if i > 0 && !ph.Discard && sc.Defaults.Cooldown > 0 && measured > 0 {
			if !sleep(ctx, sc.Defaults.Cooldown.D()) {
				break
			}
		}
		obs.PhaseStarted(tr.Name, ph, measured)
		steps, err := w.Run(ctx, ph)
		if !ph.Discard {
			tr.Steps = append(tr.Steps, steps...)
			measured += len(steps)
		}
		if derr := dep.Err(); derr != nil {
			tr.Status, tr.Error = results.StatusFailed, fmt.Sprintf("target died during %s: %v", phaseName(ph, steps), derr)
			markLast(tr, "target died during this step: "+derr.Error())
			return
		}
		if ctx.Err() != nil {
			tr.Status, tr.Error = results.StatusInterrupted, "interrupted during "+phaseName(ph, steps)
			markLast(tr, "interrupted: the step was cut short")
			return
		}
		if err != nil {
			tr.Status, tr.Error = results.StatusFailed, fmt.Sprintf("%s: %v", phaseName(ph, steps), err)
			return
		}
	}
}

// down tears the deployment down with a fresh context, so that it also
// happens after the run's context was cancelled, and keeps the logs of a
// failed target.
func down(dep targets.Deployment, tr *results.Target, timeout time.Duration) {
	if tr.Status != results.StatusOK {
		tr.Logs = dep.Logs()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := dep.Down(ctx); err != nil {
		tr.Warnings = append(tr.Warnings, "tear-down: "+err.Error())
	}
}

func markLast(tr *results.Target, warning string) {
	if n := len(tr.Steps); n > 0 {
		s := &tr.Steps[n-1]
		s.Valid = false
		s.Warnings = append(s.Warnings, warning)
	}
}

// phaseName names ph in errors. A WebSocket run is one phase for every
// connection step, so it is named by the steps it produced.
func phaseName(ph load.Phase, steps []results.Step) string {
	if n := len(steps); n > 0 && steps[0].WebSocket != nil {
		first, last := steps[0], steps[n-1]
		if n == 1 {
			return fmt.Sprintf("step %d (%d connections)", first.Index+1, first.WebSocket.ConnectionsTarget)
		}
		return fmt.Sprintf("steps %d–%d (%d→%d connections)", first.Index+1, last.Index+1, first.WebSocket.ConnectionsTarget, last.WebSocket.ConnectionsTarget)
	}
	switch {
	case ph.Discard:
		return "warm-up"
	case ph.Model == load.ModelOpen && ph.Rate == 0:
		return "the WebSocket run" // the only open phase without a rate
	case ph.Model == "closed":
		return fmt.Sprintf("step %d (concurrency %d)", ph.Index+1, ph.Concurrency)
	case ph.RampTo > 0:
		return fmt.Sprintf("ramp %g→%g req/s", ph.Rate, ph.RampTo)
	default:
		return fmt.Sprintf("step %d (%g req/s)", ph.Index+1, ph.Rate)
	}
}

func selectTargets(all []scenarios.Target, only []string) []scenarios.Target {
	if len(only) == 0 {
		return all
	}
	var out []scenarios.Target
	for _, t := range all {
		for _, name := range only {
			if t.Name == name {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// CheckOnly reports names in only that are not targets of the scenario.
func CheckOnly(sc *scenarios.Scenario, only []string) error {
	var errs []error
	for _, name := range only {
		found := false
		for _, t := range sc.Targets {
			found = found || t.Name == name
		}
		if !found {
			names := make([]string, len(sc.Targets))
			for i, t := range sc.Targets {
				names[i] = t.Name
			}
			errs = append(errs, fmt.Errorf("--target %q: no such target in %s (targets: %v)", name, sc.Name, names))
		}
	}
	return errors.Join(errs...)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

type nopObserver struct{}

func (nopObserver) TargetStarted(string, int, int)       {}
func (nopObserver) PhaseStarted(string, load.Phase, int) {}
func (nopObserver) Live(string, load.Live)               {}
func (nopObserver) TargetDone(*results.Target)           {}
func (nopObserver) Warn(string)                          {}

// scrubbed returns tr with opts.Scrub applied (tr itself when there is
// none), for showing a trial's target before it is pooled into the run.
func scrubbed(opts Options, tr *results.Target) *results.Target {
	if opts.Scrub == nil {
		return tr
	}
	tmp := results.Run{Targets: []results.Target{*tr}}
	opts.Scrub(&tmp)
	return &tmp.Targets[0]
}
