package runner

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/scalebench/scalebench/capacity"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// SweepSep joins a swept target's name and size in its variants' names
// (rep@2); scenario names cannot contain it.
const SweepSep = "@"

// expandSweeps turns every target with a size sweep into one variant per
// size, named name@N, in size order; other targets are kept as they are.
func expandSweeps(list []scenarios.Target) []scenarios.Target {
	var out []scenarios.Target
	for _, t := range list {
		if len(t.Sweep) == 0 {
			out = append(out, t)
			continue
		}
		for _, n := range t.Sweep {
			v := t
			v.Name = t.Name + SweepSep + strconv.Itoa(n)
			if t.Workers > 0 {
				v.Workers = n
			} else {
				v.Replicas = n
			}
			out = append(out, v)
		}
	}
	return out
}

// sweepOf returns the swept target's name and the variant's size, or "".
func sweepOf(t scenarios.Target, spec targets.Spec) (string, int) {
	if len(t.Sweep) == 0 {
		return "", 0
	}
	base := t.Name[:len(t.Name)-len(SweepSep+strconv.Itoa(spec.Instances))]
	return base, spec.Instances
}

// cpuGate checks the target's CPU ask against the CPUs the targets get,
// before it starts. An oversubscribed target is measured with a warning —
// unless it is a size of a sweep (without allow_oversubscribe), which then
// stops: the returned target is the skipped entry to record instead.
// stopped remembers which sweeps stopped, so their larger sizes skip too.
func cpuGate(run *results.Run, sc *scenarios.Scenario, t scenarios.Target, stopped map[string]bool) (*results.CPUFit, string, *results.Target) {
	spec := Spec(sc, t, run.ID)
	available := float64(len(run.Environment.TargetCPUs))
	if available == 0 {
		available = float64(run.Environment.CPUs)
	}
	balanced := spec.Instances > 1 || spec.Topology == "replicas"
	if topo, ok := targets.Lookup(spec.Topology); ok {
		balanced = topo.Balanced
	}
	if spec.Topology == "url" {
		return nil, "", nil
	}
	fit := capacity.Check(t.Name, capacity.CPUAsk{Instances: spec.Instances, Budget: spec.CPUBudget, GOMAXPROCS: spec.GOMAXPROCS, Balanced: balanced}, available)
	out := &results.CPUFit{RequestedCPUs: fit.Requested, AvailableCPUs: fit.Available, Oversubscribed: fit.Oversubscribed}
	base, size := sweepOf(t, spec)
	if base == "" || sc.Defaults.AllowOversubscribe {
		return out, fit.Warning, nil
	}
	if fit.Oversubscribed || stopped[base] {
		why := fmt.Sprintf("not measured: %d %s ask for %.2f CPUs, the targets get %g (set defaults.allow_oversubscribe: true to measure it anyway)", size, dimensionOf(spec), fit.Requested, available)
		if !fit.Oversubscribed {
			why = "not measured: a smaller size of this sweep already oversubscribed the CPUs"
		}
		stopped[base] = true
		return out, "", &results.Target{Name: t.Name, Topology: spec.Topology, Status: results.StatusSkipped, Error: why, Sweep: base, SweepSize: size, CPUFit: out, Steps: []results.Step{}}
	}
	return out, "", nil
}

func dimensionOf(spec targets.Spec) string {
	if spec.Topology == "cluster" {
		return "workers"
	}
	return "replicas"
}

// measurePlanned measures one planned target: the CPU check first (which
// may skip a sweep size), then measure, then the sweep and CPU facts on
// the result. The run's warnings get the oversubscription warning.
func measurePlanned(ctx context.Context, run *results.Run, sc *scenarios.Scenario, t scenarios.Target, phases []load.Phase, opts Options, obs Observer, stopped map[string]bool) *results.Target {
	fit, warning, skipped := cpuGate(run, sc, t, stopped)
	if skipped != nil {
		w := fmt.Sprintf("sweep %q stops before size %d: %s", skipped.Sweep, skipped.SweepSize, skipped.Error)
		addRunWarning(run, obs, w)
		return skipped
	}
	if warning != "" {
		addRunWarning(run, obs, warning)
	}
	tr := measure(ctx, sc, t, phases, run.ID, opts, obs)
	tr.CPUFit = fit
	if warning != "" {
		tr.Warnings = append(tr.Warnings, warning)
	}
	tr.Sweep, tr.SweepSize = sweepOf(t, Spec(sc, t, run.ID))
	return tr
}

func addRunWarning(run *results.Run, obs Observer, w string) {
	if !slices.Contains(run.Warnings, w) {
		run.Warnings = append(run.Warnings, w)
		obs.Warn(w)
	}
}

// analyseScaling refreshes the run's scaling sweeps from its targets.
func analyseScaling(run *results.Run, sc *scenarios.Scenario) {
	rate := 0.0
	if sc.SLO != nil {
		rate = sc.SLO.TargetRate
	}
	run.Scaling = capacity.Scaling(run, rate)
}

// SetTargetRate applies run --for-rate (0: not given) to the scenario: the
// rate its sweeps are sized for. It needs an SLO and a sweep.
func SetTargetRate(sc *scenarios.Scenario, rate float64) error {
	switch {
	case rate == 0:
		return nil
	case rate < 0:
		return fmt.Errorf("--for-rate %g: must be > 0 req/s", rate)
	case sc.SLO == nil:
		return fmt.Errorf("--for-rate: %s has no slo; the instance count is for a rate under an SLO (add slo: {p99: 50ms})", sc.Source)
	}
	for _, t := range sc.Targets {
		if len(t.Sweep) > 0 {
			sc.SLO.TargetRate = rate
			return nil
		}
	}
	return fmt.Errorf("--for-rate: %s has no size sweep to size (give a target replicas: [1, 2, 3, 4] or workers: [...])", sc.Source)
}
