package report

import (
	"fmt"
	"image/color"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalebench/scalebench/results"
)

// servicesTable is the per-service figures of microservices and monolith
// targets per load level (steps[].services), with the bottleneck verdict
// as its note.
func servicesTable(run *results.Run, v Verdict) Table {
	tb := Table{
		ID: "services", Title: "Services (where the time goes)",
		Note: "handled / sent = requests the service handled of those its callers sent it (the entry: the load's); p50/p99 = time in the service, callees included; " +
			"self = that minus waiting on callees; CPU = cores its instances used; util = CPU / (replicas × cpu_budget); a service at ≥ 85% util (or a queue whose backlog grew) is saturated",
		Header: []string{"load", "target", "service", "replicas", "via", "handled / sent", "p50", "p99", "self p50", "self p99", "wait mean", "CPU", "util", "queue"}, Text: 3,
	}
	eachStep(run, v, func(lv Level, t *results.Target, s *results.Step) {
		for _, name := range serviceNames(s) {
			f := s.Services[name]
			util := Percent(f.Utilization)
			if f.Saturated {
				util += " saturated"
			}
			queue := "—"
			if f.Via == "queue" {
				queue = fmt.Sprintf("%d waiting, wait p99 %s", f.QueueDepth, Millis(f.QueueWaitMsP99))
			}
			tb.Rows = append(tb.Rows, TableRow{Cells: []string{
				lv.Label, oneLine(t.Name), oneLine(name), fmt.Sprint(f.Replicas), f.Via,
				fmt.Sprintf("%s / %s", Number(float64(f.Requests)), Number(float64(f.Expected))),
				Millis(f.P50), Millis(f.P99), Millis(f.SelfMsP50), Millis(f.SelfMsP99), Millis(f.WaitMsMean),
				fmt.Sprintf("%.2f", f.CPUCores), util, queue,
			}, Bad: f.Saturated})
		}
	})
	if len(tb.Rows) > 0 {
		tb.Note = servicesVerdict(run, v) + " — " + tb.Note
	}
	return tb
}

// serviceNames are the services of s in name order.
func serviceNames(s *results.Step) []string {
	out := make([]string, 0, len(s.Services))
	for n := range s.Services {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Bottleneck is the service that limited a target: the most utilised
// service at the step that failed (or the top step when none did), and the
// first one that saturated.
type Bottleneck struct {
	// Service is the most utilised service at Step; "" without figures.
	Service     string
	Utilization float64
	Step        int
	// First is the service that saturated first, at FirstStep ("": none).
	First     string
	FirstStep int
}

// FindBottleneck decides t's bottleneck from its stored figures.
func FindBottleneck(t *results.Target, tv TargetVerdict) Bottleneck {
	b := Bottleneck{Step: -1, FirstStep: -1}
	at := -1
	for i := range t.Steps {
		s := &t.Steps[i]
		if len(s.Services) == 0 {
			continue
		}
		if at < 0 || !tv.Broke || s.OfferedRate <= tv.BrokeAt || float64(s.Concurrency) == tv.BrokeAt && s.Concurrency > 0 {
			at = i
		}
		if b.First == "" {
			for _, n := range serviceNames(s) {
				if s.Services[n].Saturated && s.Services[n].Via != "external" {
					b.First, b.FirstStep = n, i
					break
				}
			}
		}
		if tv.Broke && (s.OfferedRate == tv.BrokeAt || float64(s.Concurrency) == tv.BrokeAt) {
			at = i
			break
		}
	}
	if at < 0 {
		return b
	}
	s := &t.Steps[at]
	b.Step = at
	for _, n := range serviceNames(s) {
		if f := s.Services[n]; f.Via != "external" && (b.Service == "" || f.Utilization > b.Utilization) {
			b.Service, b.Utilization = n, f.Utilization
		}
	}
	return b
}

// servicesVerdict names each target's bottleneck and what scaling it (in
// another target of the run) or keeping the monolith changed.
func servicesVerdict(run *results.Run, v Verdict) string {
	var out []string
	for i, tv := range v.Targets {
		t := &run.Targets[i]
		b := FindBottleneck(t, tv)
		if b.Service == "" {
			continue
		}
		s := &t.Steps[b.Step]
		verb := "limited it at"
		if !tv.Broke {
			verb = "was the most utilised at"
		}
		line := fmt.Sprintf("%s: %s %s %s (%s of its CPU, throughput %s/s)", oneLine(t.Name), oneLine(b.Service), verb, rateLabel(s), Percent(b.Utilization), Number(s.Throughput))
		if t.Topology == "monolith" {
			line = fmt.Sprintf("%s: at %s the monolith's instances used %s of their CPU (throughput %s/s)", oneLine(t.Name), rateLabel(s), Percent(b.Utilization), Number(s.Throughput))
		}
		if b.First != "" && t.Topology != "monolith" {
			line += fmt.Sprintf("; %s saturated first, at %s", oneLine(b.First), rateLabel(&t.Steps[b.FirstStep]))
		}
		out = append(out, line+".")
		out = append(out, scalingBought(run, v, i, b)...)
	}
	return strings.Join(out, " ")
}

// scalingBought compares target i with every other service-graph target
// of the run that differs from it only in the replicas of its bottleneck.
func scalingBought(run *results.Run, v Verdict, i int, b Bottleneck) []string {
	t := &run.Targets[i]
	var out []string
	for j := range run.Targets {
		o := &run.Targets[j]
		if j == i || o.Topology != t.Topology || !onlyReplicasDiffer(t, o, b.Service) {
			continue
		}
		tr, or := replicasOf(t, b.Service), replicasOf(o, b.Service)
		if or <= tr {
			continue
		}
		out = append(out, fmt.Sprintf("Giving %s %d replicas instead of %d (%s) took the top throughput from %s/s to %s/s and the capacity from %s to %s.",
			oneLine(b.Service), or, tr, oneLine(o.Name), Number(topThroughput(t)), Number(topThroughput(o)), v.Targets[i].CapacityLabel, v.Targets[j].CapacityLabel))
	}
	return out
}

// onlyReplicasDiffer reports whether a and b have the same services and
// replicas except for service name.
func onlyReplicasDiffer(a, b *results.Target, name string) bool {
	ra, rb := replicaMap(a), replicaMap(b)
	if len(ra) == 0 || len(ra) != len(rb) {
		return false
	}
	for n, r := range ra {
		if r2, ok := rb[n]; !ok || (n != name && r2 != r) {
			return false
		}
	}
	return true
}

func replicaMap(t *results.Target) map[string]int {
	for _, s := range t.Steps {
		if len(s.Services) > 0 {
			m := map[string]int{}
			for n, f := range s.Services {
				m[n] = f.Replicas
			}
			return m
		}
	}
	return nil
}

func replicasOf(t *results.Target, name string) int { return replicaMap(t)[name] }

func topThroughput(t *results.Target) float64 {
	best := 0.0
	for _, s := range t.Steps {
		best = max(best, s.Throughput)
	}
	return best
}

func rateLabel(s *results.Step) string {
	if s.Concurrency > 0 {
		return fmt.Sprintf("%d clients", s.Concurrency)
	}
	return Number(s.OfferedRate) + " req/s"
}

// hasServices reports whether any step of the runs has service figures.
func hasServices(runs []*results.Run) bool {
	for _, r := range runs {
		for _, t := range r.Targets {
			for _, s := range t.Steps {
				if len(s.Services) > 0 {
					return true
				}
			}
		}
	}
	return false
}

// serviceTime is a stacked bar per target at its bottleneck step: each
// service's own time (self, callees excluded) per entry request, so the
// bar's height is the time a request spends in the services' own work and
// queues, and the tallest segment is where the time goes.
func serviceTime(ss []series) *plot.Plot {
	p := newPlot("Where the time goes (self time per request, at each target's limiting step)", "target", "mean self time per entry request (ms)")
	var labels []string
	names := map[string]bool{}
	var steps []*results.Step
	for _, s := range ss {
		b := FindBottleneck(s.Target, TargetVerdict{})
		if b.Step < 0 {
			continue
		}
		st := &s.Target.Steps[b.Step]
		steps = append(steps, st)
		labels = append(labels, s.Label)
		for n := range st.Services {
			names[n] = true
		}
	}
	order := make([]string, 0, len(names))
	for n := range names {
		order = append(order, n)
	}
	sort.Strings(order)
	var below *plotter.BarChart
	for k, n := range order {
		vals := make(plotter.Values, len(steps))
		for i, st := range steps {
			f, ok := st.Services[n]
			if entry := entryRequests(st); ok && entry > 0 && f.Via != "queue" {
				vals[i] = f.SelfMsMean * float64(f.Requests) / float64(entry)
			}
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(40))
		if err != nil {
			continue
		}
		bc.Color = plotutil.Color(k)
		bc.LineStyle = draw.LineStyle{Width: 0.5, Color: color.White}
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		p.Add(bc)
		p.Legend.Add(oneLine(n), bc)
	}
	if len(labels) > 0 {
		p.NominalX(labels...)
	}
	p.Y.Min = 0
	p.Legend.Top = true
	return p
}

// entryRequests is the number of requests the load sent the entry.
func entryRequests(s *results.Step) uint64 {
	var best uint64
	for _, f := range s.Services {
		best = max(best, f.Expected)
	}
	return min(best, s.Requests)
}
