package load

import (
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// steps turns the phase's recorders into results, dropping ramp windows an
// interruption kept from starting.
func (r *phaseRun) steps() []results.Step {
	var out []results.Step
	for i, rec := range r.recs {
		// Each recorder holds ~1 MB of histograms; once its step is built
		// (histograms encoded, a few KB) it is dropped, so that building a
		// long ramp's results does not hold all of them twice.
		r.recs[i] = nil
		if r.interrupted && rec.start >= r.stopAt && rec.requests == 0 {
			continue
		}
		out = append(out, r.step(rec))
	}
	return out
}

// step builds one results.Step from rec and judges its validity.
func (r *phaseRun) step(rec *recorder) results.Step {
	st := r.counts(rec)
	notes := r.distributions(&st, rec)
	r.resources(&st, rec)
	st.Valid, st.Warnings = judge(r.facts(&st, rec))
	st.Warnings = append(st.Warnings, notes...)
	stats.Figures(&st)
	return st
}

// counts is the step's identity, counts and rates.
func (r *phaseRun) counts(rec *recorder) results.Step {
	st := results.Step{
		Index:     r.ph.Index + rec.index,
		Model:     r.ph.Model,
		StartedAt: time.Now().Add(-time.Since(r.start)).Add(rec.start).UTC().Round(time.Millisecond),
		DurationS: rec.length.Seconds(),
		Requests:  rec.requests,
		Errors:    rec.errors,
		BytesIn:   rec.bytesIn,
		BytesOut:  rec.bytesOut,
		Generator: results.Generator{
			CPUsAvailable: r.cfg.GeneratorCPUs,
			Workers:       r.workers,
		},
	}
	if r.open {
		st.OfferedRate = round3(rec.offered)
		st.Scheduled = rec.scheduled
		if !r.interrupted && rec.scheduled > rec.requests {
			st.Unsent = rec.scheduled - rec.requests
		}
	} else {
		st.Concurrency = r.ph.Concurrency
	}
	elapsed := rec.elapsed()
	st.ElapsedS = elapsed.Seconds()
	if rec.requests > 0 {
		st.ErrorRate = float64(rec.errors) / float64(rec.requests)
	}
	if w := sendingWindow(rec, r.interrupted, r.stopAt); w > 0 {
		st.AchievedRate = round3(float64(rec.requests) / w.Seconds())
	}
	if elapsed > 0 {
		st.Throughput = round3(float64(rec.successes) / elapsed.Seconds())
	}
	if len(rec.kinds) > 0 {
		st.ErrorsByKind = rec.kinds
	}
	if rec.meter != nil {
		rec.meter.Finish(&st, elapsed)
	}
	if len(rec.instances) > 0 {
		st.Instances = rec.instances
	}
	for i, n := range rec.byRequest {
		if n == 0 {
			continue
		}
		if st.RequestsByName == nil {
			st.RequestsByName = make(map[string]uint64)
		}
		st.RequestsByName[r.picker.names[i]] += n
	}
	return st
}

// elapsed is first send to last response (0 before any request).
func (rec *recorder) elapsed() time.Duration {
	if !rec.any {
		return 0
	}
	return rec.lastEnd - rec.firstSend
}

// distributions sets the latency summaries, histograms, timeline and time
// slices; it returns notes about histograms that could not be encoded.
func (r *phaseRun) distributions(st *results.Step, rec *recorder) []string {
	st.Latency = results.LatencyOf(rec.lat, &rec.latS)
	st.ServiceTime = results.LatencyOf(rec.svc, &rec.svcS)
	st.Histograms = map[string]string{}
	notes := encode(st, HistLatency, rec.lat)
	notes = append(notes, encode(st, HistServiceTime, rec.svc)...)
	if r.open {
		st.ScheduleLag = results.LatencyOf(rec.lag, &rec.lagS)
		notes = append(notes, encode(st, HistScheduleLag, rec.lag)...)
	}
	st.Timeline = rec.timeline.result()
	st.Sections = rec.timeline.secs.result(st.Timeline, rec.timeline.interval, rec.lastEnd-rec.start)
	return notes
}

// resources sets the target's and the generator's resource use and
// Little's law check.
func (r *phaseRun) resources(st *results.Step, rec *recorder) {
	u := rec.usage
	st.Resources = results.Resources{RSSBytesMax: u.rssMax, Samples: u.samples}
	if u.tgtWall > 0 {
		st.Resources.CPUCoresMean = round3(u.tgtCPU / u.tgtWall)
		st.Resources.CPUCoresMax = round3(u.tgtMax)
	}
	if u.genWall > 0 {
		st.Generator.CPUCores = round3(u.genCPU / u.genWall)
		st.Generator.Saturated = st.Generator.CPUCores >= saturatedRatio*float64(st.Generator.CPUsAvailable)
	}
	if elapsed := rec.elapsed(); elapsed > 0 {
		st.LittlesLaw = littlesLaw(rec.little.mean(), float64(rec.requests)/elapsed.Seconds(),
			rec.svcS.MeanUs()/1e6, rec.little.n)
	}
}

// facts are what the validity rules judge the step on.
func (r *phaseRun) facts(st *results.Step, rec *recorder) facts {
	f := facts{
		open:        r.open,
		offered:     st.OfferedRate,
		achieved:    st.AchievedRate,
		requests:    st.Requests,
		unsent:      st.Unsent,
		workers:     r.workers,
		peakWorkers: rec.little.peak,
		lagP99Ms:    st.ScheduleLag.P99,
		latP99Ms:    st.Latency.P99,
		genCores:    st.Generator.CPUCores,
		cpus:        st.Generator.CPUsAvailable,
		little:      st.LittlesLaw,
		errors:      st.Errors,
		byKind:      st.ErrorsByKind,
	}
	if rec.little.n > 0 {
		f.atCapShare = float64(rec.little.atCap) / float64(rec.little.n)
	}
	if !r.open {
		f.workers = 0 // in the closed model every worker is meant to be busy
	}
	if r.interrupted {
		f.interrupted = interruptedText(r.stopAt, r.ph.Duration)
	}
	return f
}

// sendingWindow is the time over which the step's requests were sent: its
// planned length, or longer when the generator was still sending late hits
// after it, or shorter when the phase was interrupted.
func sendingWindow(rec *recorder, interrupted bool, stopAt time.Duration) time.Duration {
	w := rec.length
	if rec.any && rec.lastSend-rec.start > w {
		w = rec.lastSend - rec.start
	}
	if interrupted {
		w = min(w, stopAt-rec.start)
	}
	return w
}

// encode stores h in st.Histograms under key; it returns a warning when h
// cannot be encoded.
func encode(st *results.Step, key string, h *hdrhistogram.Histogram) []string {
	s, err := results.EncodeHistogram(h)
	if err != nil {
		return []string{fmt.Sprintf("histogram %s not stored: %v", key, err)}
	}
	st.Histograms[key] = s
	return nil
}

// interruptedText says when the run was interrupted and, when that was
// after the phase's planned end, why the phase was still running: its
// sending was over and it waited for the answers still in flight.
func interruptedText(at, planned time.Duration) string {
	s := fmt.Sprintf("the run was interrupted %.1f s into a %.1f s phase", at.Seconds(), planned.Seconds())
	if at > planned {
		s += fmt.Sprintf(" (past its planned end: sending had stopped and it was waiting up to the request timeout for the responses still in flight, %.1f s so far: the target was answering slowly)", (at - planned).Seconds())
	}
	return s
}
