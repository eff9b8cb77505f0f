package load

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// Thresholds of the validity rules (see docs/load.md).
const (
	// minAchievedRatio: an open step must send at least this share of the
	// offered rate.
	minAchievedRatio = 0.99
	// saturatedRatio: the generator is saturated at this share of its CPUs.
	saturatedRatio = 0.90
	// lagLimitMs: a schedule lag p99 above this is "large".
	lagLimitMs = 10.0
	// lagShareLimit: a large lag with free workers makes a step invalid when
	// it is more than this share of the latency p99 — the tail then
	// measures the generator's lateness rather than the target.
	lagShareLimit = 0.25
	// littleTolerance and littleSlack: Little's law holds when measured and
	// predicted concurrency agree within 20% or differ by less than one.
	littleTolerance = 0.20
	littleSlack     = 1.0
	// highErrorRate: above this error rate a step gets a warning.
	highErrorRate = 0.05
	// fewRequests: below this many requests percentiles are unreliable.
	fewRequests = 100
	// refusedLimit: a step whose connections were refused this often
	// measured a target that was not (fully) there, not its latency.
	refusedLimit = 0.10
)

// facts are what the validity rules look at, gathered from one step.
type facts struct {
	open        bool
	offered     float64 // req/s
	achieved    float64 // req/s
	requests    uint64
	unsent      uint64
	workers     int     // the worker cap
	peakWorkers uint64  // most requests seen in flight at once
	atCapShare  float64 // share of in-flight samples with every worker busy
	lagP99Ms    float64
	latP99Ms    float64 // latency p99 from intended send time
	genCores    float64
	cpus        int
	little      *results.LittlesLaw
	errors      uint64
	byKind      map[string]uint64
	// interrupted is non-empty when ctx ended during the step: what was cut.
	interrupted string
}

// judge applies the validity rules: a step is invalid when the generator,
// not the target, kept the offered load from being sent on time (its own
// CPU or timer, with workers free — a full worker cap means the target did
// not keep up and is reported as saturation, not invalidity), when the
// generator's CPU was saturated, when Little's law does not hold, or when it
// was interrupted. Warnings say why, with the numbers; some warnings (high
// error rate, few requests) do not make a step invalid.
func judge(f facts) (valid bool, warnings []string) {
	valid = true
	invalid := func(format string, a ...any) {
		valid = false
		warnings = append(warnings, fmt.Sprintf(format, a...))
	}
	saturated := f.cpus > 0 && f.genCores >= saturatedRatio*float64(f.cpus)
	capReached := f.workers > 0 && f.peakWorkers >= uint64(f.workers)
	cpuExplained := false

	if f.interrupted != "" {
		invalid("interrupted: %s; figures cover only the part measured", f.interrupted)
	}
	shortfall := f.open && f.interrupted == "" &&
		(f.achieved < minAchievedRatio*f.offered || f.unsent > 0)
	switch {
	case shortfall && capReached:
		// Every worker was waiting on the target: the target did not keep up.
		// That is a finding about the target, not a broken measurement —
		// latency is timed from the intended send time and includes the wait.
		warnings = append(warnings, fmt.Sprintf("target saturated: all %d workers were waiting on responses (%.0f%% of samples); "+
			"achieved %.1f of offered %.1f req/s, %d hits unsent; latency from intended send time includes the wait "+
			"(a lower bound: unsent hits are not in it). If the target was not overloaded, raise load.max_workers",
			f.workers, 100*f.atCapShare, f.achieved, f.offered, f.unsent))
	case shortfall && saturated:
		cpuExplained = true
		invalid("generator fell behind: its CPU was saturated (%.2f of %d cores); achieved %.1f of offered %.1f req/s, %d hits unsent",
			f.genCores, f.cpus, f.achieved, f.offered, f.unsent)
	case shortfall:
		invalid("generator fell behind: achieved %.1f of offered %.1f req/s, %d hits unsent, schedule lag p99 %.1f ms, "+
			"with at most %d of %d workers busy",
			f.achieved, f.offered, f.unsent, f.lagP99Ms, f.peakWorkers, f.workers)
	case f.open && f.lagP99Ms > lagLimitMs && capReached:
		warnings = append(warnings, fmt.Sprintf("target saturated: all %d workers were waiting on responses (%.0f%% of samples), "+
			"schedule lag p99 %.1f ms; latency from intended send time includes the wait",
			f.workers, 100*f.atCapShare, f.lagP99Ms))
	case f.open && f.lagP99Ms > lagLimitMs && f.lagP99Ms > lagShareLimit*f.latP99Ms:
		invalid("generator sent late: schedule lag p99 %.1f ms with workers free is %.0f%% of the latency p99 (%.1f ms), "+
			"so the tail measures the generator, not the target (CPU contention on the generator's CPU?)",
			f.lagP99Ms, 100*f.lagP99Ms/max(f.latP99Ms, 0.001), f.latP99Ms)
	case f.open && f.lagP99Ms > lagLimitMs:
		warnings = append(warnings, fmt.Sprintf(
			"schedule lag p99 %.1f ms although workers were free: the generator sent late (CPU contention?)", f.lagP99Ms))
	}
	if saturated && !cpuExplained {
		invalid("generator CPU saturated: %.2f of %d cores (≥ %.0f%%); sends and timings may be late",
			f.genCores, f.cpus, 100*saturatedRatio)
	}
	if f.little != nil && !f.little.Holds {
		invalid("little's law does not hold: measured concurrency %.2f vs predicted %.2f (throughput × mean service time); "+
			"results were not consumed as fast as they completed",
			f.little.MeasuredConcurrency, f.little.PredictedConcurrency)
	}
	unreachable(f, invalid)
	if f.requests > 0 {
		if rate := float64(f.errors) / float64(f.requests); rate >= highErrorRate {
			warnings = append(warnings, fmt.Sprintf("error rate %.1f%% (%s)", 100*rate, KindsText(f.byKind)))
		}
	}
	if f.requests < fewRequests && f.interrupted == "" {
		warnings = append(warnings, fmt.Sprintf("only %d requests: percentiles are unreliable", f.requests))
	}
	return valid, warnings
}

// unreachable marks a step that measured nothing of the target: no
// request completed, none succeeded, or connections were refused (a fast
// refusal has a tiny latency, which must never read as a fast target).
func unreachable(f facts, invalid func(string, ...any)) {
	switch refused := f.byKind[kindRefused]; {
	case f.requests == 0 && f.interrupted == "":
		invalid("no request completed: nothing was measured")
	case f.requests > 0 && f.errors >= f.requests:
		invalid("no request succeeded (%s): the step measured failures, not the target", KindsText(f.byKind))
	case f.requests > 0 && float64(refused) >= refusedLimit*float64(f.requests):
		invalid("%d of %d connections refused (%.0f%%): the target was not reachable for much of the step", refused, f.requests, 100*float64(refused)/float64(f.requests))
	}
}

// littlesLaw compares the measured mean concurrency with the one Little's
// law predicts from the completion rate (req/s) and mean service time (s).
// It returns nil when there was nothing to compare.
func littlesLaw(measured, rate, meanService float64, samples int) *results.LittlesLaw {
	if samples == 0 || rate == 0 {
		return nil
	}
	predicted := rate * meanService
	diff := math.Abs(measured - predicted)
	return &results.LittlesLaw{
		MeasuredConcurrency:  round3(measured),
		PredictedConcurrency: round3(predicted),
		Holds:                diff < littleSlack || diff <= littleTolerance*predicted,
	}
}

// KindsText formats counts by kind as "a: 3, b: 1", sorted by kind, for
// warnings (errors by kind, lost connections by kind).
func KindsText(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// Rates are what a generator outside this package (request flows) knows
// of a step, for the same validity rules as HTTP steps.
type Rates struct {
	// Offered and Achieved are the intended and achieved start rates.
	Offered, Achieved float64
	// Requests sent, starts never made (Unsent) and failed requests.
	Requests, Unsent, Errors uint64
	ErrorsByKind             map[string]uint64
	// Cap is the generator's concurrency cap; CapFull is true when it was
	// reached (the target did not keep up, a finding rather than a
	// broken measurement).
	Cap     int
	CapFull bool
	// Interrupted says what was cut when the run was interrupted.
	Interrupted string
}

// Judge applies the validity rules (see judge) to a step measured by
// another generator of the open model.
func Judge(r Rates) (valid bool, warnings []string) {
	f := facts{open: true, offered: r.Offered, achieved: r.Achieved, requests: r.Requests, unsent: r.Unsent,
		errors: r.Errors, byKind: r.ErrorsByKind, workers: r.Cap, interrupted: r.Interrupted}
	if r.CapFull {
		f.peakWorkers, f.atCapShare = uint64(r.Cap), 1
	}
	return judge(f)
}
