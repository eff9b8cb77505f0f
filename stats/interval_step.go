package stats

import (
	"math"

	"github.com/scalebench/scalebench/results"
)

// Figures fills a step's 95% intervals — latency percentiles, throughput,
// error rate and target CPU per request — from its sections (see
// results.Section), in the one way every generator shares: HTTP, flows
// and WebSocket steps, single trials and pooled ones. Figures whose
// interval the step is too short to measure are named in
// st.CINotEnoughData and given their observed range instead, never a
// narrow interval.
func Figures(st *results.Step) {
	st.CINotEnoughData = nil
	unknown := func(name string) { st.CINotEnoughData = append(st.CINotEnoughData, name) }
	if st.Requests == 0 {
		st.LatencyCI, st.ThroughputCI, st.ErrorRateCI, st.CPUPerRequestCI = nil, nil, nil, nil
		return
	}
	secs := st.Sections
	ci := results.LatencyCI{}
	for _, p := range []struct {
		name string
		q    float64
		v    float64
		dst  *results.Interval
	}{{"p50", 50, st.Latency.P50, &ci.P50}, {"p90", 90, st.Latency.P90, &ci.P90},
		{"p99", 99, st.Latency.P99, &ci.P99}, {"p999", 99.9, st.Latency.P999, &ci.P999}} {
		iv, ok := QuantileCI(secs, p.q, p.v)
		if !ok {
			iv = results.Interval{st.Latency.Min, st.Latency.Max}
			unknown(p.name)
		}
		*p.dst = round(iv)
	}
	st.LatencyCI = &ci
	st.ThroughputCI = ptr(throughputCI(st, unknown))
	st.ErrorRateCI = ptr(errorRateCI(st))
	cpuPerRequest(st, unknown)
}

// throughputCI is the batch-means interval of successes per second,
// widened to cover both windows the rate could be taken over (the planned
// step length and first send to last response): the edge of a step holds
// requests in flight that neither window counts exactly.
func throughputCI(st *results.Step, unknown func(string)) results.Interval {
	iv, ok := RatioCI(st.Sections, st.Throughput,
		func(s results.Section) float64 { return float64(s.Successes) },
		func(s results.Section) float64 { return s.Seconds })
	if !ok {
		unknown("throughput")
		iv = results.Interval{0, st.Throughput}
	}
	if ok := st.Requests - st.Errors; st.DurationS > 0 && st.ElapsedS > 0 {
		a, b := float64(ok)/st.DurationS, float64(ok)/st.ElapsedS
		if st.WebSocket == nil {
			iv = Hull(iv, results.Interval{min(a, b), max(a, b)})
		}
	}
	iv[0] = max(iv[0], 0)
	return round(iv)
}

// errorRateCI is the batch-means interval of the error rate, never
// narrower than the Wilson interval of the whole step.
func errorRateCI(st *results.Step) results.Interval {
	w := Wilson(st.Errors, st.Requests)
	iv, ok := RatioCI(st.Sections, st.ErrorRate,
		func(s results.Section) float64 { return float64(s.Errors) },
		func(s results.Section) float64 { return float64(s.Requests) })
	if ok {
		w = Hull(w, iv)
	}
	return results.Interval{roundTo(max(w[0], 0), 1e6), roundTo(min(w[1], 1), 1e6)}
}

// cpuPerRequest sets the target's CPU time per completed request (ms) and
// its interval, from the sections where the target's CPU was sampled, or
// from the step's mean CPU when no section knows it (no interval then).
func cpuPerRequest(st *results.Step, unknown func(string)) {
	var cpu float64
	var n uint64
	for _, s := range st.Sections {
		if s.CPUKnown {
			cpu += s.CPUSeconds
			n += s.Requests
		}
	}
	switch {
	case n > 0 && cpu > 0:
		st.CPUPerRequestMs = roundTo(1000*cpu/float64(n), 1e4)
		iv, ok := RatioCI(known(st.Sections), st.CPUPerRequestMs,
			func(s results.Section) float64 { return 1000 * s.CPUSeconds },
			func(s results.Section) float64 { return float64(s.Requests) })
		if !ok {
			unknown("cpu_per_request")
			return
		}
		iv[0] = max(iv[0], 0)
		st.CPUPerRequestCI = ptr(results.Interval{roundTo(iv[0], 1e4), roundTo(iv[1], 1e4)})
	case st.Resources.CPUCoresMean > 0 && st.ElapsedS > 0:
		st.CPUPerRequestMs = roundTo(1000*st.Resources.CPUCoresMean*st.ElapsedS/float64(st.Requests), 1e4)
		unknown("cpu_per_request")
	}
}

func known(secs []results.Section) []results.Section {
	out := make([]results.Section, 0, len(secs))
	for _, s := range secs {
		if s.CPUKnown {
			out = append(out, s)
		}
	}
	return out
}

func ptr(iv results.Interval) *results.Interval { return &iv }

// round keeps an interval in ms to the µs, like the figures it qualifies.
func round(iv results.Interval) results.Interval {
	return results.Interval{roundTo(iv[0], 1000), roundTo(iv[1], 1000)}
}

func roundTo(x, scale float64) float64 { return math.Round(x*scale) / scale }
