package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/app/service"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// applyServices puts t's service graph on spec, with the number of
// instances it starts (what the CPU check and the report count).
func applyServices(s *targets.Spec, t scenarios.Target) {
	s.Microservices = t.Microservices()
	if s.Microservices == nil {
		return
	}
	if ps, err := targets.PlanServices(*s); err == nil {
		s.Instances = targets.TotalInstances(ps)
	}
}

// svcWorkload wraps the workload of a service-graph target: before and
// after each phase it reads every instance's cumulative figures
// (service.StatsPath) and fills the step's Services from the difference.
type svcWorkload struct {
	inner workload
	dep   targets.ServiceDeployment
	graph service.Graph
	entry string
	mono  bool
}

// withServices wraps w when dep runs a service graph.
func withServices(t scenarios.Target, dep targets.Deployment, w workload) workload {
	sd, ok := dep.(targets.ServiceDeployment)
	m := t.Microservices()
	if !ok || m == nil || len(sd.Services()) == 0 {
		return w
	}
	return &svcWorkload{inner: w, dep: sd, graph: m.Graph(), entry: m.Entry, mono: t.Topology == targets.TopologyMonolith}
}

// Finish passes on to the wrapped workload.
func (w *svcWorkload) Finish(ctx context.Context, tr *results.Target) {
	if f, ok := w.inner.(finisher); ok {
		f.Finish(ctx, tr)
	}
}

// Run drives the phase between readings of the figures: before, every
// second while it runs (the slices its intervals come from) and after. A
// phase of several steps (a ramp's windows) gets the figures on its last
// step.
func (w *svcWorkload) Run(ctx context.Context, ph load.Phase) ([]results.Step, error) {
	rs := []timedReading{{w.read(ctx), time.Now()}}
	stop, done := make(chan struct{}), make(chan []timedReading)
	go w.sample(ctx, stop, done)
	steps, err := w.inner.Run(ctx, ph)
	close(stop)
	rs = append(rs, <-done...)
	if len(steps) == 0 {
		return steps, err
	}
	rs = append(rs, timedReading{w.read(context.WithoutCancel(ctx)), time.Now()})
	first, last := rs[0], rs[len(rs)-1]
	st := &steps[len(steps)-1]
	st.Services = w.figures(first.r, last.r, last.at.Sub(first.at).Seconds(), st.Requests)
	w.sections(rs, st.Services)
	for n, ss := range st.Services {
		serviceIntervals(&ss)
		st.Services[n] = ss
	}
	st.Warnings = append(st.Warnings, accountingWarnings(st.Services, w.entry)...)
	if len(steps) > 1 {
		st.Warnings = append(st.Warnings, "per-service figures cover the whole ramp, not this window alone")
	}
	return steps, err
}

// sampleEvery is how often the figures are read while a step runs: the
// slices of a service's intervals.
const sampleEvery = time.Second

// sample reads the figures every sampleEvery until stop closes, then
// sends what it read on done.
func (w *svcWorkload) sample(ctx context.Context, stop <-chan struct{}, done chan<- []timedReading) {
	var out []timedReading
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			done <- out
			return
		case <-ctx.Done():
			<-stop
			done <- out
			return
		case <-tick.C:
			out = append(out, timedReading{w.read(ctx), time.Now()})
		}
	}
}

// reading is every instance's figures at one moment, by instance URL.
type reading map[string]service.Stats

// timedReading is a reading and when it was taken.
type timedReading struct {
	r  reading
	at time.Time
}

// read fetches the figures of every reference-app instance.
func (w *svcWorkload) read(ctx context.Context) reading {
	out := reading{}
	c := &http.Client{Timeout: 3 * time.Second}
	for _, s := range w.dep.Services() {
		if s.External {
			continue
		}
		for _, u := range s.Instances {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+service.StatsPath, nil)
			if err != nil {
				continue
			}
			resp, err := c.Do(req)
			if err != nil {
				continue
			}
			var st service.Stats
			if json.NewDecoder(resp.Body).Decode(&st) == nil {
				out[u] = st
			}
			_ = resp.Body.Close()
		}
	}
	return out
}

// delta accumulates one service's difference over the instances.
type delta struct {
	requests, errors   uint64
	lat, self, qw      *hdrhistogram.Histogram
	waitUs, burnUs     int64
	cpu                float64
	depthBefore, depth int64
}

// figures turns two readings into per-service figures.
func (w *svcWorkload) figures(before, after reading, elapsed float64, entryRequests uint64) map[string]results.ServiceStep {
	ds, calls, monoCPU := w.deltas(before, after, false)
	calls[w.entry] = entryRequests
	out := map[string]results.ServiceStep{}
	for _, rs := range w.dep.Services() {
		w.addFigures(out, rs, ds, calls, elapsed, monoCPU)
	}
	return out
}

// deltas is each service's difference between two readings, summed over
// the instances (strict: only instances read both times), the calls made
// to each service, and a monolith's process CPU.
func (w *svcWorkload) deltas(before, after reading, strict bool) (map[string]*delta, map[string]uint64, float64) {
	ds := map[string]*delta{}
	calls := map[string]uint64{}
	var monoCPU float64
	for u, a := range after {
		b, ok := before[u]
		if strict && !ok {
			continue
		}
		if w.mono {
			monoCPU += a.CPUSeconds - b.CPUSeconds
		}
		for name, as := range a.Services {
			d := ds[name]
			if d == nil {
				d = &delta{lat: newHist(), self: newHist(), qw: newHist()}
				ds[name] = d
			}
			d.add(as, b.Services[name])
			if !w.mono && a.Service == name {
				d.cpu += a.CPUSeconds - b.CPUSeconds
			}
			for c, n := range as.Calls {
				calls[c] += n - b.Services[name].Calls[c]
			}
		}
	}
	if w.mono {
		for _, d := range ds {
			d.cpu = float64(d.burnUs) / 1e6
		}
	}
	return ds, calls, monoCPU
}

// addFigures adds the figures of running service rs (a monolith's: one
// per module) to out.
func (w *svcWorkload) addFigures(out map[string]results.ServiceStep, rs targets.RunningService, ds map[string]*delta, calls map[string]uint64, elapsed, monoCPU float64) {
	if rs.External {
		out[rs.Name] = results.ServiceStep{Expected: calls[rs.Name], Replicas: rs.Replicas, CPUBudget: rs.CPUBudget, Via: "external"}
		return
	}
	names := []string{rs.Name}
	if w.mono {
		names = w.graph.Names()
	}
	capacity := float64(rs.Replicas) * rs.CPUBudget
	if rs.CPUBudget == 0 {
		capacity = float64(rs.Replicas)
	}
	for _, n := range names {
		d := ds[n]
		if d == nil || w.graph[n].External {
			continue
		}
		st := d.step(elapsed)
		st.Expected, st.Replicas, st.CPUBudget = calls[n], rs.Replicas, rs.CPUBudget
		st.Via, st.Utilization = "http", st.CPUCores/capacity
		if w.mono {
			st.Via, st.Utilization = "in-process", monoCPU/elapsed/capacity
		}
		if w.graph[n].Queue {
			st.Via = "queue" // the monolith's: its in-process queue
		}
		growing := w.graph[n].Queue && d.depth-d.depthBefore > max(int64(st.Expected)/10, 10)
		st.Saturated = st.Utilization >= results.SaturatedAt || growing
		out[n] = st
	}
}

func (d *delta) add(a, b service.ServiceStats) {
	d.requests += a.Requests - b.Requests
	d.errors += a.Errors - b.Errors
	d.waitUs += a.WaitUs - b.WaitUs
	d.burnUs += a.BurnUs - b.BurnUs
	d.depth += max(a.QueueDepth, 0)
	d.depthBefore += max(b.QueueDepth, 0)
	mergeDiff(d.lat, a.Latency, b.Latency)
	mergeDiff(d.self, a.Self, b.Self)
	mergeDiff(d.qw, a.QueueWait, b.QueueWait)
}

// step summarises d over elapsed seconds.
func (d *delta) step(elapsed float64) results.ServiceStep {
	st := results.ServiceStep{Requests: d.requests, Errors: d.errors, QueueDepth: d.depth}
	if elapsed > 0 {
		st.CPUCores = d.cpu / elapsed
	}
	if d.requests > 0 {
		st.CPUMsPerRequest = d.cpu * 1000 / float64(d.requests)
		st.WaitMsMean = float64(d.waitUs) / 1000 / float64(d.requests)
	}
	lat, self := results.LatencyOf(d.lat, nil), results.LatencyOf(d.self, nil)
	st.P50, st.P99, st.SelfMsP50, st.SelfMsP99 = lat.P50, lat.P99, self.P50, self.P99
	st.SelfMsMean = max(lat.Mean-st.WaitMsMean, 0)
	if d.qw.TotalCount() > 0 {
		st.QueueWaitMsP99 = results.LatencyOf(d.qw, nil).P99
	}
	return st
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 600_000_000, 2) }

// mergeDiff adds the histogram after minus before (both encoded) to dst.
func mergeDiff(dst *hdrhistogram.Histogram, after, before string) {
	if after == "" {
		return
	}
	a, err := results.DecodeHistogram(after)
	if err != nil {
		return
	}
	as := a.Export()
	if before != "" {
		if b, err := results.DecodeHistogram(before); err == nil {
			bs := b.Export()
			for i := range min(len(as.Counts), len(bs.Counts)) {
				as.Counts[i] = max(as.Counts[i]-bs.Counts[i], 0)
			}
		}
	}
	dst.Merge(hdrhistogram.Import(as))
}

// accountingWarnings names the synchronous services that handled fewer
// requests than their callers sent them in the step.
func accountingWarnings(ss map[string]results.ServiceStep, entry string) []string {
	var out []string
	names := make([]string, 0, len(ss))
	for n := range ss {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := ss[n]
		lost := int64(s.Expected) - int64(s.Requests)
		if s.Via == "queue" || s.Via == "external" {
			continue // the backlog (queue_depth) holds what is not done yet; the user's services keep no figures here
		}
		if n != entry && n != targets.TopologyMonolith && lost > 0 {
			out = append(out, fmt.Sprintf("service %s handled %d requests of the %d its callers sent: %d lost between services", n, s.Requests, s.Expected, lost))
		}
	}
	return out
}
