package runner

import (
	"math"
	"slices"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// sections cuts each service's step into the slices between consecutive
// readings (rs, in time order), what its intervals are made from.
func (w *svcWorkload) sections(rs []timedReading, out map[string]results.ServiceStep) {
	for i := 1; i < len(rs); i++ {
		ds, _, _ := w.deltas(rs[i-1].r, rs[i].r, true)
		start, secs := rs[i-1].at.Sub(rs[0].at).Seconds(), rs[i].at.Sub(rs[i-1].at).Seconds()
		for name, d := range ds {
			st, ok := out[name]
			if !ok {
				continue
			}
			sec := results.Section{StartS: start, Seconds: secs, Requests: d.requests, Errors: d.errors,
				Successes: d.requests - min(d.errors, d.requests), CPUSeconds: d.cpu, CPUKnown: true, Latency: d.lat}
			st.Sections = append(st.Sections, sec)
			sec.Latency = d.self
			st.SelfSections = append(st.SelfSections, sec)
			out[name] = st
		}
	}
}

// serviceIntervals sets st's 95% intervals from its sections, the way a
// step's own are made (stats.QuantileCI, stats.RatioCI); a figure the
// step is too short for is named in CINotEnoughData and given its
// observed range.
func serviceIntervals(st *results.ServiceStep) {
	st.CINotEnoughData = nil
	st.P50CI, st.P99CI, st.SelfMsP50CI, st.SelfMsP99CI = nil, nil, nil, nil
	st.CPUCoresCI, st.CPUMsPerRequestCI, st.UtilizationCI = nil, nil, nil
	if st.Requests == 0 || len(st.Sections) == 0 {
		return
	}
	unknown := func(name string) { st.CINotEnoughData = append(st.CINotEnoughData, name) }
	lat, self := merged(st.Sections), merged(st.SelfSections)
	quantile := func(name string, secs []results.Section, h *hdrhistogram.Histogram, q, v float64) *results.Interval {
		iv, ok := stats.QuantileCI(secs, q, v)
		if !ok {
			iv = results.Interval{float64(h.Min()) / 1000, float64(h.Max()) / 1000}
			unknown(name)
		}
		return roundIv(iv, 1000)
	}
	st.P50CI = quantile("p50", st.Sections, lat, 50, st.P50)
	st.P99CI = quantile("p99", st.Sections, lat, 99, st.P99)
	st.SelfMsP50CI = quantile("self_ms_p50", st.SelfSections, self, 50, st.SelfMsP50)
	st.SelfMsP99CI = quantile("self_ms_p99", st.SelfSections, self, 99, st.SelfMsP99)
	cpu := func(s results.Section) float64 { return s.CPUSeconds }
	cores, ok := stats.RatioCI(st.Sections, st.CPUCores, cpu, func(s results.Section) float64 { return s.Seconds })
	if !ok {
		unknown("cpu_cores")
	}
	st.CPUCoresCI = roundIv(cores, 1e4)
	perReq, ok := stats.RatioCI(st.Sections, st.CPUMsPerRequest,
		func(s results.Section) float64 { return 1000 * s.CPUSeconds },
		func(s results.Section) float64 { return float64(s.Requests) })
	if !ok {
		unknown("cpu_ms_per_request")
	}
	st.CPUMsPerRequestCI = roundIv(perReq, 1e4)
	if st.Via != "in-process" && st.CPUCores > 0 {
		k := st.Utilization / st.CPUCores
		st.UtilizationCI = roundIv(results.Interval{cores[0] * k, cores[1] * k}, 1e4)
	}
}

// merged is the sections' latency histograms merged.
func merged(secs []results.Section) *hdrhistogram.Histogram {
	h := newHist()
	for _, s := range secs {
		if s.Latency != nil {
			h.Merge(s.Latency)
		}
	}
	return h
}

func roundIv(iv results.Interval, scale float64) *results.Interval {
	return &results.Interval{math.Round(max(iv[0], 0)*scale) / scale, math.Round(iv[1]*scale) / scale}
}

// poolServices pools the per-service figures of one step's trials into
// st (stats.Pool keeps the first trial's): counts summed, histograms
// merged, CPU over the trials' time, and the intervals made over every
// trial's slices and widened to the spread between trials.
func poolServices(st *results.Step, trials []results.Step) {
	if len(trials) < 2 || len(trials[0].Services) == 0 {
		return
	}
	out := map[string]results.ServiceStep{}
	for name := range trials[0].Services {
		var per []results.ServiceStep
		for k := range trials {
			if ss, ok := trials[k].Services[name]; ok {
				for i := range ss.Sections {
					ss.Sections[i].Trial, ss.SelfSections[i].Trial = k+1, k+1
				}
				per = append(per, ss)
			}
		}
		out[name] = poolService(per)
	}
	st.Services = out
}

// poolService pools one service's figures over trials.
func poolService(per []results.ServiceStep) results.ServiceStep {
	p := per[0]
	p.Requests, p.Errors, p.Expected, p.Sections, p.SelfSections = 0, 0, 0, nil, nil
	var cpu, secs, wait float64
	for _, t := range per {
		p.Requests += t.Requests
		p.Errors += t.Errors
		p.Expected += t.Expected
		p.Sections = append(p.Sections, t.Sections...)
		p.SelfSections = append(p.SelfSections, t.SelfSections...)
		p.Saturated = p.Saturated || t.Saturated
		wait += t.WaitMsMean * float64(t.Requests)
		for _, s := range t.Sections {
			cpu += s.CPUSeconds
			secs += s.Seconds
		}
	}
	p.QueueDepth = per[len(per)-1].QueueDepth
	p.Trials = len(per)
	if p.Via == "external" || len(p.Sections) == 0 {
		return p
	}
	lat, self := results.LatencyOf(merged(p.Sections), nil), results.LatencyOf(merged(p.SelfSections), nil)
	p.P50, p.P99, p.SelfMsP50, p.SelfMsP99 = lat.P50, lat.P99, self.P50, self.P99
	if p.Requests > 0 {
		p.WaitMsMean = wait / float64(p.Requests)
		p.CPUMsPerRequest = cpu * 1000 / float64(p.Requests)
		p.SelfMsMean = max(lat.Mean-p.WaitMsMean, 0)
	}
	if secs > 0 && p.CPUCores > 0 {
		k := p.Utilization / p.CPUCores
		p.CPUCores = cpu / secs
		p.Utilization = p.CPUCores * k
	}
	p.Saturated = p.Saturated || p.Utilization >= results.SaturatedAt
	serviceIntervals(&p)
	betweenServiceTrials(&p, per)
	return p
}

// betweenServiceTrials widens p's intervals to the spread of the trials'
// own estimates (stats.Sectioning over trials): a figure too short to
// section gets that interval alone, and with three trials or more every
// interval is widened to it (a drift between trials).
func betweenServiceTrials(p *results.ServiceStep, per []results.ServiceStep) {
	widen := func(name string, dst *results.Interval, whole float64, f func(results.ServiceStep) float64) {
		if dst == nil {
			return
		}
		col := make([]float64, len(per))
		for i, t := range per {
			col[i] = f(t)
		}
		iv, ok := stats.Sectioning(whole, col)
		if !ok {
			return
		}
		iv = *roundIv(iv, 1e4)
		switch {
		case slices.Contains(p.CINotEnoughData, name):
			*dst = iv
			p.CINotEnoughData = slices.DeleteFunc(p.CINotEnoughData, func(s string) bool { return s == name })
		case len(per) >= 3:
			*dst = stats.Hull(*dst, iv)
		}
	}
	widen("p50", p.P50CI, p.P50, func(t results.ServiceStep) float64 { return t.P50 })
	widen("p99", p.P99CI, p.P99, func(t results.ServiceStep) float64 { return t.P99 })
	widen("self_ms_p50", p.SelfMsP50CI, p.SelfMsP50, func(t results.ServiceStep) float64 { return t.SelfMsP50 })
	widen("self_ms_p99", p.SelfMsP99CI, p.SelfMsP99, func(t results.ServiceStep) float64 { return t.SelfMsP99 })
	widen("cpu_cores", p.CPUCoresCI, p.CPUCores, func(t results.ServiceStep) float64 { return t.CPUCores })
	widen("cpu_ms_per_request", p.CPUMsPerRequestCI, p.CPUMsPerRequest, func(t results.ServiceStep) float64 { return t.CPUMsPerRequest })
	if len(p.CINotEnoughData) == 0 {
		p.CINotEnoughData = nil
	}
}
