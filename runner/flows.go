package runner

import (
	"context"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/load/flow"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/stats"
	"github.com/scalebench/scalebench/targets"
)

// flowsWorkload starts the scenario's request flows at each phase's rate
// (flows per second) with load/flow, one results.Step per phase.
type flowsWorkload struct {
	cfg    flow.Config
	sample func(context.Context) (load.Usage, error)
	live   func(load.Live)
	meter  func() load.Meter // nil: none
}

// newFlowsWorkload checks the flows against the deployment's endpoint.
// meter, when set, gives each phase a meter that sees every response of
// every flow (the database tier's stale-read check, runner/database.go).
func newFlowsWorkload(sc *scenarios.Scenario, t scenarios.Target, dep targets.Deployment, live func(load.Live), meter func() load.Meter) (workload, error) {
	cfg := flow.Config{
		BaseURL:       dep.Endpoint(),
		AllowRemote:   t.AllowRemote,
		Flows:         Flows(sc),
		Rate:          1,
		Duration:      time.Second,
		MaxConcurrent: sc.Load.MaxWorkers,
		Timeout:       sc.Defaults.Timeout.D(),
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	return &flowsWorkload{cfg: cfg, sample: Sampler(dep), live: live, meter: meter}, nil
}

// Flows converts the scenario's flows for load/flow.
func Flows(sc *scenarios.Scenario) []flow.Flow {
	out := make([]flow.Flow, 0, len(sc.Flows))
	for _, f := range sc.Flows {
		ff := flow.Flow{Name: f.Name, Weight: f.Weight}
		for _, s := range f.Steps {
			fs := flow.Step{Name: s.Name, Method: s.Method, Path: s.Path, Headers: s.Headers, Body: s.Body, Think: s.Think.D()}
			if len(s.Capture) > 0 {
				fs.Capture = map[string]flow.Capture{}
				for k, c := range s.Capture {
					fs.Capture[k] = flow.Capture{Cookie: c.Cookie, Header: c.Header, JSON: c.JSON, Regex: c.Regex}
				}
			}
			if s.Expect != nil {
				fs.Expect = flow.Expect{Status: s.Expect.Status}
			}
			ff.Steps = append(ff.Steps, fs)
		}
		out = append(out, ff)
	}
	return out
}

// Run starts flows at ph.Rate for ph.Duration. A ramp is run at its mean
// rate; the closed model is refused by scenario validation.
func (w *flowsWorkload) Run(ctx context.Context, ph load.Phase) ([]results.Step, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := w.cfg
	cfg.Rate, cfg.Duration = ph.Rate, ph.Duration
	if ph.RampTo > 0 {
		cfg.Rate = (ph.Rate + ph.RampTo) / 2
	}
	var m *syncMeter
	if w.meter != nil {
		m = &syncMeter{m: w.meter()}
		cfg.Observe = m.Observe
	}
	before, berr := w.sample(ctx)
	started := time.Now()
	marks := everySecond(ctx, w.sample, started, before, berr == nil)
	res, err := flow.Run(ctx, cfg)
	cpuMarks := marks()
	if ph.Discard {
		return nil, nil
	}
	st := flowStep(ph, started, res)
	attachCPU(st.Sections, cpuMarks)
	if m != nil {
		m.Finish(&st, time.Since(started))
	}
	if after, aerr := w.sample(context.WithoutCancel(ctx)); berr == nil && aerr == nil && res.ElapsedS > 0 {
		st.Resources.CPUCoresMean = round3((after.CPUSeconds - before.CPUSeconds) / res.ElapsedS)
		st.Resources.RSSBytesMax = after.RSSBytes
	}
	interrupted := ""
	if err != nil && ctx.Err() != nil {
		interrupted = "the step was cut short"
	}
	// The same validity rules and intervals as HTTP steps (load.Judge,
	// stats.Figures); rates are flows started per second.
	var notes []string
	achieved := st.AchievedRate
	if res.DurationS > 0 {
		achieved = float64(res.Started) / res.DurationS // over the sending window, not the flows' tails
	}
	st.Valid, notes = load.Judge(load.Rates{Offered: st.OfferedRate, Achieved: achieved, Requests: st.Requests,
		Unsent: st.Unsent, Errors: st.Errors, ErrorsByKind: st.ErrorsByKind, Cap: w.cfg.MaxConcurrent,
		CapFull: res.Unsent > 0, Interrupted: interrupted})
	st.Warnings = append(notes, st.Warnings...)
	stats.Figures(&st)
	if interrupted != "" {
		return []results.Step{st}, nil
	}
	if err != nil {
		return []results.Step{st}, err
	}
	return []results.Step{st}, nil
}

// flowStep turns one flow.Run into a results.Step: Requests, Errors and
// Latency over every request of every flow, the per-request figures in
// Flows, and each flow step's error rate in Extra (flow_<step>_error_rate).
func flowStep(ph load.Phase, started time.Time, res flow.Result) results.Step {
	st := results.Step{
		Index: ph.Index, Model: "open", OfferedRate: ph.Rate,
		StartedAt: started.UTC().Round(time.Millisecond), DurationS: ph.Duration.Seconds(), ElapsedS: round3(res.ElapsedS),
		Scheduled: res.Scheduled, Unsent: res.Unsent, Valid: true, Extra: map[string]float64{},
		Sections: res.Sections,
	}
	lat, svc := hdrhistogram.New(1, 3_600_000_000, 3), hdrhistogram.New(1, 3_600_000_000, 3)
	kinds := map[string]uint64{}
	instances := map[string]uint64{}
	var ok uint64
	for _, f := range res.Flows {
		fs := results.FlowStats{Name: f.Name, Scheduled: f.Scheduled, Started: f.Started, Unsent: f.Unsent,
			Completed: f.Completed, Failed: f.Failed, Duration: f.Duration}
		for _, r := range f.Requests {
			s := results.FlowStepStats{Name: r.Name, Requests: r.Requests, Errors: r.Errors, ErrorsByKind: r.ErrorsByKind,
				Skipped: r.Skipped, Latency: r.Latency, ServiceTime: r.ServiceTime, Instances: r.Instances, Histograms: r.Histograms}
			if r.Requests > 0 {
				s.ErrorRate = float64(r.Errors) / float64(r.Requests)
			}
			fs.Steps = append(fs.Steps, s)
			st.Requests += r.Requests
			st.Errors += r.Errors
			ok += r.Requests - r.Errors
			for k, v := range r.ErrorsByKind {
				kinds[k] += v
			}
			for k, v := range r.Instances {
				instances[k] += v
			}
			mergeEncoded(lat, r.Histograms["latency"])
			mergeEncoded(svc, r.Histograms["service_time"])
			key := "flow_" + r.Name + "_error_rate"
			if len(res.Flows) > 1 {
				key = "flow_" + f.Name + "_" + r.Name + "_error_rate"
			}
			st.Extra[key] = round3(s.ErrorRate)
		}
		st.Flows = append(st.Flows, fs)
	}
	if st.Requests > 0 {
		st.ErrorRate = float64(st.Errors) / float64(st.Requests)
	}
	if len(kinds) > 0 {
		st.ErrorsByKind = kinds
	}
	if len(instances) > 0 {
		st.Instances = instances
	}
	if res.ElapsedS > 0 {
		st.AchievedRate = round3(float64(res.Started) / res.ElapsedS)
		st.Throughput = round3(float64(ok) / res.ElapsedS)
	}
	st.Latency, st.ServiceTime = results.LatencyOf(lat, nil), results.LatencyOf(svc, nil)
	st.Histograms = map[string]string{"latency": encodeHist(lat), "service_time": encodeHist(svc)}
	if res.Unsent > 0 {
		st.Warnings = append(st.Warnings, fmt.Sprintf("%d of %d scheduled flows never started: the flow cap (load.max_workers) was full", res.Unsent, res.Scheduled))
	}
	st.Extra["flows_started_per_s"] = st.AchievedRate
	return st
}

// mergeEncoded adds a base64 HDR histogram (from load/flow) into h.
func mergeEncoded(h *hdrhistogram.Histogram, enc string) {
	if enc == "" {
		return
	}
	if d, err := hdrhistogram.Decode([]byte(enc)); err == nil {
		h.Merge(d)
	}
}

// cpuMark is the target's cumulative CPU time at an offset into a step.
type cpuMark struct {
	at  time.Duration
	cpu float64
}

// everySecond samples the target's CPU once a second from start (the flow
// runner's slices are whole seconds from it) until the returned function
// is called, which stops it and returns the marks, first at 0 when first
// is known. The samples give each slice its CPU, for an interval on CPU
// per request (stats.Figures).
func everySecond(ctx context.Context, sample func(context.Context) (load.Usage, error), start time.Time, first load.Usage, known bool) func() []cpuMark {
	var marks []cpuMark
	if known {
		marks = append(marks, cpuMark{0, first.CPUSeconds})
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for k := 1; k <= maxFlowSamples; k++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(start.Add(time.Duration(k) * time.Second))):
			}
			t0 := time.Since(start)
			if u, err := sample(ctx); err == nil {
				marks = append(marks, cpuMark{(t0 + time.Since(start)) / 2, u.CPUSeconds})
			}
		}
	}()
	return func() []cpuMark {
		cancel()
		<-done
		return marks
	}
}

// maxFlowSamples bounds a flow step's CPU samples (one per second).
const maxFlowSamples = 3600

// markSlack is how far from a slice's edge a sample may be taken and
// still count as taken at the edge.
const markSlack = 150 * time.Millisecond

// attachCPU gives each slice the target's CPU between the samples at its
// edges; a slice without a sample near both edges stays CPU unknown.
func attachCPU(secs []results.Section, marks []cpuMark) {
	at := func(s float64) (float64, bool) {
		want := time.Duration(s * float64(time.Second))
		for _, m := range marks {
			if d := m.at - want; d > -markSlack && d < markSlack {
				return m.cpu, true
			}
		}
		return 0, false
	}
	for i := range secs {
		a, okA := at(secs[i].StartS)
		b, okB := at(secs[i].StartS + secs[i].Seconds)
		if okA && okB && b >= a {
			secs[i].CPUSeconds, secs[i].CPUKnown = b-a, true
		}
	}
}
