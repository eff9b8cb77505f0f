package runner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/scalebench/scalebench/capacity"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// Thresholds for calling a probe's failure explained (no repeat needed).
const (
	explainedP99    = 2.0  // p99 at least twice the SLO
	explainedErrors = 0.05 // error rate of at least 5%
)

// driveLoad runs the target's load: the scenario's fixed steps, or with
// load.search a capacity search. The function it returns records the
// search's answer on tr once judge has run (it does nothing for steps).
func driveLoad(ctx context.Context, w workload, dep targets.Deployment, phases []load.Phase, sc *scenarios.Scenario, tr *results.Target, opts Options, obs Observer) func() {
	if sc.Load.Search == nil {
		drive(ctx, w, dep, phases, sc, tr, obs)
		return func() {}
	}
	res := search(ctx, w, dep, phases, sc, tr, opts, obs)
	return func() { applySearch(tr, sc.Load.Search, res) }
}

// search runs the warm-up, then probes as the capacity search asks until
// it ends, the target fails or ctx ends. Each probe is a step, in order.
func search(ctx context.Context, w workload, dep targets.Deployment, warmup []load.Phase, sc *scenarios.Scenario, tr *results.Target, opts Options, obs Observer) capacity.Result {
	cfg := sc.Load.Search
	s := capacity.NewSearch(capacity.Config{From: cfg.From, To: cfg.To, Resolution: cfg.Resolution, MaxTime: cfg.MaxTime.D()})
	start := time.Now()
	drive(ctx, w, dep, warmup, sc, tr, obs)
	for tr.Status == results.StatusOK {
		rate, ok := s.Next()
		if !ok {
			break
		}
		t0 := time.Now()
		if len(tr.Steps) > 0 && sc.Defaults.Cooldown > 0 && !sleep(ctx, sc.Defaults.Cooldown.D()) {
			break
		}
		n := len(tr.Steps)
		ph := load.Phase{Model: load.ModelOpen, Rate: rate, Duration: probeDuration(sc, opts.Quick), Index: n}
		drive(ctx, w, dep, []load.Phase{ph}, sc, tr, obs)
		if len(tr.Steps) == n {
			break // nothing measured: the target failed or ctx ended
		}
		o := classify(&tr.Steps[n], sc.SLO)
		o.Rate = rate // the step's offered_rate is what was scheduled, which rounds
		o.Elapsed = time.Since(t0)
		if n == 0 {
			o.Elapsed += t0.Sub(start) // the warm-up belongs to the first probe's cost
		}
		markProbe(&tr.Steps[n], o)
		s.Record(o)
	}
	r := s.Result()
	r.Elapsed = time.Since(start)
	return r
}

// probeDuration is how long each probe is held: defaults.duration, capped
// in quick mode.
func probeDuration(sc *scenarios.Scenario, quick bool) time.Duration {
	if quick {
		return minDur(sc.Defaults.Duration.D(), quickDuration)
	}
	return sc.Defaults.Duration.D()
}

// classify turns a probe step into an observation: invalid when its
// numbers cannot be trusted or it completed nothing (never a pass), a
// fail when the target could not take the rate or missed the SLO, else a
// pass.
func classify(st *results.Step, slo *scenarios.SLO) capacity.Observation {
	o := capacity.Observation{Rate: st.OfferedRate, Outcome: capacity.Pass}
	fail := func(reason string, explained bool, format string, a ...any) capacity.Observation {
		o.Outcome, o.Reason, o.Explained, o.Detail = capacity.Fail, reason, explained, fmt.Sprintf(format, a...)
		return o
	}
	switch {
	case st.Requests == 0 || st.Requests <= st.Errors:
		o.Outcome, o.Reason = capacity.Invalid, capacity.ReasonNoRequests
		o.Detail = fmt.Sprintf("%g req/s: no request completed", st.OfferedRate)
		return o
	case !st.Valid:
		o.Outcome, o.Reason, o.Detail = capacity.Invalid, capacity.ReasonInvalid, fmt.Sprintf("%g req/s: invalid step", st.OfferedRate)
		switch {
		case st.Generator.Saturated || st.AchievedRate < 0.99*st.OfferedRate:
			o.Reason = capacity.ReasonGenerator // it could not send the rate
		case generatorWarning(st.Warnings):
			o.Reason = capacity.ReasonLate // it sent the rate, but late
		}
		if len(st.Warnings) > 0 {
			o.Detail += ": " + st.Warnings[0]
		}
		return o
	case st.AchievedRate < 0.99*st.OfferedRate || st.Unsent > 0:
		return fail(capacity.ReasonSaturation, true, "%g req/s: the target could not take the rate: %.1f req/s sent, %d hits unsent, every worker waiting on it", st.OfferedRate, st.AchievedRate, st.Unsent)
	}
	if slo == nil {
		return o
	}
	if limit := errorLimit(slo); st.ErrorRate > limit {
		return fail(capacity.ReasonErrors, st.ErrorRate >= max(explainedErrors, 5*limit), "%g req/s: error rate %.2f%% above the SLO's %.2f%%", st.OfferedRate, 100*st.ErrorRate, 100*limit)
	}
	if p99 := float64(slo.P99.D().Microseconds()) / 1000; p99 > 0 && st.Latency.P99 > p99 {
		return fail(capacity.ReasonP99, st.Latency.P99 >= explainedP99*p99, "%g req/s: p99 %.1f ms above the SLO's %g ms", st.OfferedRate, st.Latency.P99, p99)
	}
	return o
}

// generatorWarning reports whether a step was made invalid by the
// generator itself (load/validity.go words those warnings "generator …").
func generatorWarning(ws []string) bool {
	for _, w := range ws {
		if strings.HasPrefix(w, "generator") {
			return true
		}
	}
	return false
}

func errorLimit(slo *scenarios.SLO) float64 {
	if slo.ErrorRate == nil {
		return 0
	}
	return *slo.ErrorRate
}

// markProbe records the probe's outcome on its step.
func markProbe(st *results.Step, o capacity.Observation) {
	st.Probe, st.ProbeOutcome, st.ProbeReason = true, string(o.Outcome), o.Reason
	if o.Outcome == capacity.Invalid {
		st.Warnings = append(st.Warnings, "capacity search: invalid probe, never counted as a pass ("+o.Reason+")")
	}
}

// applySearch records the search's answer on tr. It runs after judge,
// whose capacity (highest passing step) it replaces: the search's answer
// needs the pass confirmed. A search target is not gated by the SLO (its
// probes are meant to fail), so SLOPassed is cleared.
func applySearch(tr *results.Target, cfg *scenarios.Search, r capacity.Result) {
	tr.SLOPassed = nil
	stop := r.Stop
	switch {
	case tr.Status == results.StatusInterrupted:
		stop = "interrupted"
	case tr.Status != results.StatusOK:
		stop = "failed"
	}
	tr.Search = &results.Search{From: cfg.From, To: cfg.To, Resolution: cfg.Resolution, MaxTimeS: cfg.MaxTime.D().Seconds(),
		Probes: r.Probes, ElapsedS: round1(r.Elapsed.Seconds()), Stop: stop, MaxTimeHit: stop == capacity.StopMaxTime,
		LowerBound: r.LowerBound, Detail: r.Detail}
	tr.CapacityRate, tr.CapacityReason = r.Rate, r.Reason
	switch stop {
	case "failed":
		tr.CapacityRate = 0 // the target died: no claim
	case "interrupted":
		tr.Search.LowerBound = true
	}
	if r.Rate > 0 || r.Hi > 0 {
		tr.CapacityInterval = &results.Interval{r.Lo, r.Hi}
	}
	if w := searchWarning(stop, r, cfg); w != "" {
		tr.Warnings = append(tr.Warnings, w)
	}
}

// searchWarning says when a search's answer is not the target's capacity
// within the resolution.
func searchWarning(stop string, r capacity.Result, cfg *scenarios.Search) string {
	switch stop {
	case capacity.StopGeneratorCeiling:
		return "capacity search hit the load generator's ceiling: " + r.Detail
	case capacity.StopInvalid:
		return "capacity search stopped on invalid probes: " + r.Detail
	case capacity.StopMaxTime:
		return fmt.Sprintf("capacity search hit max_time (%s) after %d probes: capacity %g req/s is bracketed by [%g, %g], not to the resolution (0 = no fail yet)", cfg.MaxTime.D(), r.Probes, r.Rate, r.Lo, r.Hi)
	case capacity.StopSearchTo:
		return fmt.Sprintf("capacity search passed at search.to (%g req/s): the capacity is at least that; raise to", cfg.To)
	case capacity.StopBelowFrom:
		return fmt.Sprintf("capacity search failed at search.from (%g req/s): the capacity is below it; lower from", cfg.From)
	case capacity.StopMaxProbes:
		return fmt.Sprintf("capacity search stopped after %d probes without converging", r.Probes)
	case "interrupted", "failed":
		return "capacity search did not finish (" + stop + "): the capacity so far is not a finding"
	}
	return ""
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }
