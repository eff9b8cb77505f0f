package stats

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// Pool combines the measurements of one step over several trials into
// one step: counts are summed, HDR histograms merged (so percentiles are
// those of every request of every trial), rates weighted by each trial's
// elapsed time, and per-trial figures kept in Trials. Its intervals are
// sectioning over the batches of every trial, widened to the
// between-trial interval when there are three trials or more. A step is
// valid only when every trial was. Topology detail that does not add up
// (flows, queue, WebSocket sections, Little's law) is the first trial's.
// With one trial the step is returned as it is.
func Pool(trials []results.Step) results.Step {
	if len(trials) == 1 {
		return trials[0]
	}
	st := trials[0]
	st.Trials, st.Warnings, st.Sections, st.Timeline = nil, nil, nil, nil
	st.ErrorsByKind, st.Instances, st.RequestsByName = nil, nil, nil
	st.Requests, st.Scheduled, st.Unsent, st.Errors, st.BytesIn, st.BytesOut = 0, 0, 0, 0, 0, 0
	st.DurationS, st.ElapsedS, st.Resources.Samples = 0, 0, 0
	st.Valid = true
	var elapsed float64
	sum := weighted{}
	for i := range trials {
		tr := &trials[i]
		k := i + 1
		addCounts(&st, tr)
		st.Valid = st.Valid && tr.Valid
		for _, w := range tr.Warnings {
			st.Warnings = append(st.Warnings, fmt.Sprintf("trial %d: %s", k, w))
		}
		for _, s := range tr.Sections {
			s.Trial = k
			st.Sections = append(st.Sections, s)
		}
		for _, p := range tr.Timeline {
			p.T += elapsed
			st.Timeline = append(st.Timeline, p)
		}
		sum.add(tr)
		elapsed += tr.ElapsedS
		st.Trials = append(st.Trials, trialOf(k, tr))
	}
	if st.Requests > 0 {
		st.ErrorRate = float64(st.Errors) / float64(st.Requests)
	}
	sum.into(&st)
	st.Warnings = append(st.Warnings, mergeHistograms(&st, trials)...)
	Figures(&st)
	betweenTrials(&st)
	return st
}

// addCounts adds tr's counts, durations and resource figures into st.
func addCounts(st, tr *results.Step) {
	AddCounts(st, tr)
	st.DurationS += tr.DurationS
	st.ElapsedS += tr.ElapsedS
	st.Resources.CPUCoresMax = max(st.Resources.CPUCoresMax, tr.Resources.CPUCoresMax)
	st.Resources.RSSBytesMax = max(st.Resources.RSSBytesMax, tr.Resources.RSSBytesMax)
	st.Resources.Samples += tr.Resources.Samples
	if tr.LittlesLaw != nil && !tr.LittlesLaw.Holds {
		st.LittlesLaw = tr.LittlesLaw
	}
}

// weighted accumulates rates weighted by each trial's elapsed time.
type weighted struct {
	w, throughput, achieved, cpu, gen float64
	extra                             map[string]float64
}

func (a *weighted) add(tr *results.Step) {
	w := tr.ElapsedS
	a.w += w
	a.throughput += w * tr.Throughput
	a.achieved += w * tr.AchievedRate
	a.cpu += w * tr.Resources.CPUCoresMean
	a.gen += w * tr.Generator.CPUCores
	if a.extra == nil {
		a.extra = map[string]float64{}
	}
	for k, v := range tr.Extra {
		a.extra[k] += w * v
	}
}

func (a *weighted) into(st *results.Step) {
	if a.w <= 0 {
		return
	}
	st.Throughput = roundTo(a.throughput/a.w, 1000)
	st.AchievedRate = roundTo(a.achieved/a.w, 1000)
	st.Resources.CPUCoresMean = roundTo(a.cpu/a.w, 1000)
	st.Generator.CPUCores = roundTo(a.gen/a.w, 1000)
	if len(a.extra) > 0 {
		st.Extra = maps.Clone(a.extra)
		for k := range st.Extra {
			st.Extra[k] = roundTo(st.Extra[k]/a.w, 1000)
		}
	}
}

// trialOf is one trial's own figures.
func trialOf(k int, tr *results.Step) results.Trial {
	return results.Trial{
		Trial: k, StartedAt: tr.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Requests: tr.Requests, Errors: tr.Errors,
		P50: tr.Latency.P50, P90: tr.Latency.P90, P99: tr.Latency.P99,
		Throughput: tr.Throughput, ErrorRate: roundTo(tr.ErrorRate, 1e6),
		CPUPerRequestMs: tr.CPUPerRequestMs, Valid: tr.Valid,
	}
}

// mergeHistograms merges every stored histogram of the trials and sets
// the pooled latency summaries from them.
func mergeHistograms(st *results.Step, trials []results.Step) []string {
	var notes []string
	merged := map[string]*hdrhistogram.Histogram{}
	for i := range trials {
		for key, enc := range trials[i].Histograms {
			h, err := results.DecodeHistogram(enc)
			if err != nil {
				notes = append(notes, fmt.Sprintf("trial %d: histogram %s: %v", i+1, key, err))
				continue
			}
			if merged[key] == nil {
				merged[key] = h
				continue
			}
			merged[key].Merge(h)
		}
	}
	st.Histograms = map[string]string{}
	for key, h := range merged {
		if enc, err := results.EncodeHistogram(h); err == nil {
			st.Histograms[key] = enc
		}
	}
	st.Latency = pooledLatency(merged["latency"], trials, func(s *results.Step) results.Latency { return s.Latency })
	st.ServiceTime = pooledLatency(merged["service_time"], trials, func(s *results.Step) results.Latency { return s.ServiceTime })
	st.ScheduleLag = pooledLatency(merged["schedule_lag"], trials, func(s *results.Step) results.Latency { return s.ScheduleLag })
	return notes
}

// pooledLatency is the summary of the merged histogram h with the exact
// minimum, maximum and request-weighted mean of the trials.
func pooledLatency(h *hdrhistogram.Histogram, trials []results.Step, of func(*results.Step) results.Latency) results.Latency {
	if h == nil {
		return of(&trials[0])
	}
	var e results.Exact
	for i := range trials {
		l := of(&trials[i])
		if trials[i].Requests == 0 {
			continue
		}
		e.Merge(results.Exact{N: trials[i].Requests, SumUs: int64(l.Mean * 1000 * float64(trials[i].Requests)),
			MinUs: int64(l.Min * 1000), MaxUs: int64(l.Max * 1000)})
	}
	return results.LatencyOf(h, &e)
}

// betweenTrials brings in the spread of the trials' own estimates
// (Student's t on trials-1 degrees of freedom; trials are independent
// replications, so this holds however requests within a trial are
// correlated). A figure too short to section gets this interval alone;
// with three trials or more every interval is widened to it, as a drift
// between trials shows there even when each trial is steady.
func betweenTrials(st *results.Step) {
	n := len(st.Trials)
	if n < 2 || st.LatencyCI == nil {
		return
	}
	col := func(f func(results.Trial) float64) []float64 {
		out := make([]float64, 0, n)
		for _, t := range st.Trials {
			out = append(out, f(t))
		}
		return out
	}
	widen := func(name string, dst *results.Interval, whole float64, f func(results.Trial) float64) {
		var iv results.Interval
		var ok bool
		if strings.HasPrefix(name, "p") {
			iv, ok = logSectioning(whole, col(f), 0)
		} else {
			iv, ok = Sectioning(whole, col(f))
		}
		if !ok {
			return
		}
		iv[0] = max(iv[0], 0)
		switch {
		case slices.Contains(st.CINotEnoughData, name):
			*dst = round(iv)
			st.CINotEnoughData = slices.DeleteFunc(st.CINotEnoughData, func(s string) bool { return s == name })
		case n >= 3:
			*dst = round(Hull(*dst, iv))
		}
	}
	widen("p50", &st.LatencyCI.P50, st.Latency.P50, func(t results.Trial) float64 { return t.P50 })
	widen("p90", &st.LatencyCI.P90, st.Latency.P90, func(t results.Trial) float64 { return t.P90 })
	widen("p99", &st.LatencyCI.P99, st.Latency.P99, func(t results.Trial) float64 { return t.P99 })
	if st.ThroughputCI != nil {
		widen("throughput", st.ThroughputCI, st.Throughput, func(t results.Trial) float64 { return t.Throughput })
	}
	if st.ErrorRateCI != nil {
		widen("error_rate", st.ErrorRateCI, st.ErrorRate, func(t results.Trial) float64 { return t.ErrorRate })
	}
	if st.CPUPerRequestCI == nil && st.CPUPerRequestMs > 0 {
		st.CPUPerRequestCI = &results.Interval{st.CPUPerRequestMs, st.CPUPerRequestMs}
	}
	if st.CPUPerRequestCI != nil {
		widen("cpu_per_request", st.CPUPerRequestCI, st.CPUPerRequestMs, func(t results.Trial) float64 { return t.CPUPerRequestMs })
	}
	if len(st.CINotEnoughData) == 0 {
		st.CINotEnoughData = nil
	}
}
