// Command fixturegen writes the sample results files under fixtures/results
// that the report tests render: a quickstart-like run with three measured
// targets and one that failed, a second run of the same scenario for
// overlays, and a run whose names are hostile HTML. The numbers are made up
// but shaped like real runs; the output is deterministic (fixed seeds and
// clocks).
//
//	go run ./report/internal/fixturegen -out fixtures/results
package main

import (
	"flag"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

func main() {
	out := flag.String("out", "fixtures/results", "folder to write the fixtures to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "fixturegen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	runs := map[string]*results.Run{
		"quickstart.json":       quickstart("20250301-120000-quickstart", 1.0, true),
		"quickstart-after.json": quickstart("20250302-120000-quickstart", 0.8, false),
		"hostile.json":          hostile(),
	}
	for name, r := range runs {
		dir := filepath.Join(out, name)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := writeRun(dir, r); err != nil {
			return err
		}
	}
	return nil
}

func writeRun(path string, r *results.Run) error {
	tmp, err := os.MkdirTemp("", "fixturegen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := results.Write(tmp, r); err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(tmp, results.FileName))
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const quickYAML = `name: quickstart
description: Single process vs cluster vs nginx + replicas, stepped load.
defaults:
  warmup: 2s
  duration: 5s
  cpu_budget: 0.5
requests:
  - path: /work?ms=1
load:
  steps: [250, 500, 1000, 2000]
  max_workers: 256
slo:
  p99: 50ms
  error_rate: 0.01
targets:
  - name: single
    topology: single
  - name: cluster
    topology: cluster
    workers: 2
  - name: replicas
    topology: replicas
    replicas: 2
    balancer: nginx
  - name: cache
    topology: redis-cache
`

// shape describes one target's behaviour at one step.
type shape struct {
	p50, p99 float64 // ms
	errRate  float64
	errKind  string
	cpu      float64 // target cores
	genCPU   float64
	invalid  string // warning making the step invalid
	warn     string // warning that leaves the step valid
}

func env() results.Environment {
	return results.Environment{
		Driver: "process", Hostname: "bench-1", OS: "linux", Arch: "amd64",
		Kernel: "6.1.0-18-amd64", CPUModel: "AMD EPYC 7B13", CPUs: 2, MemoryBytes: 24 << 30,
		GoVersion: "go1.26.0", ScalebenchVersion: "v0.1.0",
		Components:    map[string]string{"nginx": "1.22.1", "redis": "7.0.15"},
		GitCommit:     "0aae5e3",
		GeneratorCPUs: []int{0}, TargetCPUs: []int{1},
		CPUBudgetEnforced: true, CPUBudgetMechanism: "cgroup-v2",
	}
}

func quickstart(id string, speed float64, withFailed bool) *results.Run {
	start := t0
	if !withFailed {
		start = t0.Add(24 * time.Hour)
	}
	slo := &results.SLO{P99Ms: 50, ErrorRate: 0.01}
	r := &results.Run{
		SchemaVersion: results.SchemaVersion, ID: id, Scenario: "quickstart",
		Description:  "Single process vs cluster vs nginx + replicas, stepped load.",
		ScenarioFile: "quickstart", ScenarioYAML: quickYAML, Model: "open", SLO: slo,
		StartedAt: start, FinishedAt: start.Add(2 * time.Minute), Status: results.RunCompleted,
		Environment: env(),
		Warnings:    []string{"only 2 CPUs: the generator and the targets share a machine; pin them apart for stable numbers"},
	}
	rates := []float64{250, 500, 1000, 2000}
	s := func(x float64) float64 { return x * speed }
	single := []shape{
		{p50: s(0.9), p99: s(1.9), cpu: 0.12, genCPU: 0.08},
		{p50: s(1.3), p99: s(4.8), cpu: 0.24, genCPU: 0.14},
		{p50: s(9.5), p99: s(180), cpu: 0.49, genCPU: 0.25, warn: "target CPU at its budget (0.49 of 0.5 cores)"},
		{p50: s(900), p99: s(2400), errRate: 0.043, errKind: "timeout", cpu: 0.5, genCPU: 0.4, warn: "target CPU at its budget (0.50 of 0.5 cores)"},
	}
	cluster := []shape{
		{p50: s(1.0), p99: s(2.2), cpu: 0.13, genCPU: 0.08},
		{p50: s(1.1), p99: s(2.9), cpu: 0.25, genCPU: 0.14},
		{p50: s(1.4), p99: s(4.1), cpu: 0.5, genCPU: 0.26},
		{p50: s(3.2), p99: s(38), cpu: 0.97, genCPU: 0.42},
	}
	replicas := []shape{
		{p50: s(1.4), p99: s(3.0), cpu: 0.16, genCPU: 0.08},
		{p50: s(1.5), p99: s(3.6), cpu: 0.31, genCPU: 0.15},
		{p50: s(1.8), p99: s(5.2), cpu: 0.62, genCPU: 0.27},
		{p50: s(2.6), p99: s(9.5), cpu: 1.1, genCPU: 0.93, invalid: "generator CPU saturated (0.93 of 1 CPU): achieved 1,912 of 2,000 req/s; numbers not trustworthy"},
	}
	r.Targets = []results.Target{
		target(r, "single", "single", "One process, one core: the baseline.", 1, "", single, rates, 1),
		target(r, "cluster", "cluster", "One master forks a worker per core; the kernel shares the listening socket.", 2, "kernel", cluster, rates, 2),
		target(r, "replicas", "replicas", "Independent replicas behind an nginx round-robin upstream.", 2, "nginx", replicas, rates, 3),
	}
	r.Targets[2].Steps[3].Extra = map[string]float64{"balancer_cpu_cores": 0.31}
	for i := range r.Targets[2].Steps[:3] {
		r.Targets[2].Steps[i].Extra = map[string]float64{"balancer_cpu_cores": 0.05 * float64(i+1)}
	}
	if withFailed {
		f := false
		r.Targets = append(r.Targets, results.Target{
			Name: "cache", Topology: "redis-cache",
			Description: "Replicas sharing a Redis cache-aside in front of a slow database.",
			Status:      results.StatusFailed,
			Error:       "start redis: redis-server: executable file not found in $PATH (apt-get install -y redis-server)",
			Deployment:  results.Deployment{Driver: "process", Instances: 2, Balancer: "nginx", BalancerPolicy: "round_robin"},
			SLOPassed:   &f,
			Logs:        map[string]string{"redis": "exec: \"redis-server\": executable file not found in $PATH\n"},
			StartedAt:   start.Add(90 * time.Second), FinishedAt: start.Add(91 * time.Second),
		})
		r.Status = results.RunCompleted
	}
	return r
}

func target(r *results.Run, name, topo, desc string, inst int, balancer string, shapes []shape, rates []float64, seed uint64) results.Target {
	t := results.Target{
		Name: name, Topology: topo, Description: desc, Status: results.StatusOK,
		Deployment: results.Deployment{
			Driver: "process", Endpoint: "http://127.0.0.1:1808" + fmt.Sprint(seed), Instances: inst,
			Balancer: balancer, GOMAXPROCS: 1, CPUBudget: 0.5, CPUBudgetEnforced: true,
			CPUs: []int{1},
		},
		StartedAt: r.StartedAt.Add(time.Duration(seed-1) * 30 * time.Second),
	}
	if balancer != "" {
		t.Deployment.BalancerPolicy = "round_robin"
	}
	if balancer == "nginx" {
		t.Deployment.Components = map[string]string{"nginx": "1.22.1"}
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	passed := true
	capacity := 0.0
	stepStart := t.StartedAt.Add(2 * time.Second)
	for i, sh := range shapes {
		st := step(rng, r.SLO, i, rates[i], sh, stepStart, name, inst)
		if st.SLOPassed != nil && !*st.SLOPassed && st.Valid {
			passed = false
		}
		if st.Valid && st.SLOPassed != nil && *st.SLOPassed {
			capacity = rates[i]
		}
		t.Steps = append(t.Steps, st)
		stepStart = stepStart.Add(5 * time.Second)
	}
	t.SLOPassed = &passed
	t.CapacityRate = capacity
	t.FinishedAt = stepStart
	return t
}

func lognormal(rng *rand.Rand, p50, p99 float64) float64 {
	sigma := math.Log(p99/p50) / 2.326
	return p50 * math.Exp(sigma*rng.NormFloat64())
}

func step(rng *rand.Rand, slo *results.SLO, i int, rate float64, sh shape, start time.Time, name string, inst int) results.Step {
	const dur = 5.0
	achieved := rate * (1 - 0.002*rng.Float64())
	if sh.invalid != "" {
		achieved = rate * 0.956
	}
	n := uint64(achieved * dur)
	lat := hdrhistogram.New(1, 60_000_000, 3)
	svc := hdrhistogram.New(1, 60_000_000, 3)
	lag := hdrhistogram.New(1, 60_000_000, 3)
	tl := make([]results.Point, int(dur))
	for k := uint64(0); k < n; k++ {
		v := lognormal(rng, sh.p50, sh.p99)
		l := 0.02 + rng.ExpFloat64()*0.05
		if sh.invalid != "" {
			l += rng.ExpFloat64() * 2
		}
		_ = lat.RecordValue(int64((v + l) * 1000))
		_ = svc.RecordValue(int64(v * 1000))
		_ = lag.RecordValue(int64(l * 1000))
		sec := int(float64(k) / float64(n) * dur)
		tl[sec].Requests++
	}
	errs := uint64(float64(n) * sh.errRate)
	fillTimeline(rng, tl, sh, errs, dur, inst, i)
	st := results.Step{
		Index: i, Model: "open", OfferedRate: rate, StartedAt: start, DurationS: dur,
		ElapsedS: dur + 0.004, Requests: n, Scheduled: uint64(rate * dur), Errors: errs,
		AchievedRate: round(achieved),
		Throughput:   round(float64(n-errs) / (dur + 0.004)),
		BytesIn:      n * 64, BytesOut: 0,
		Latency: summary(lat), ServiceTime: summary(svc), ScheduleLag: summary(lag),
		Histograms: map[string]string{"latency": enc(lat), "service_time": enc(svc), "schedule_lag": enc(lag)},
		Timeline:   tl,
		Resources: results.Resources{
			CPUCoresMean: sh.cpu, CPUCoresMax: round(sh.cpu * 1.05),
			RSSBytesMax: uint64(inst)*(18<<20) + uint64(i+1)*(3<<20), Samples: 5,
		},
		Generator: results.Generator{CPUCores: sh.genCPU, CPUsAvailable: 1, Saturated: sh.genCPU >= 0.9, Workers: 256},
		Valid:     sh.invalid == "",
	}
	finishStep(&st, slo, sh, name, inst)
	return st
}

// fillTimeline gives each second of a step its figures.
func fillTimeline(rng *rand.Rand, tl []results.Point, sh shape, errs uint64, dur float64, inst, i int) {
	for sec := range tl {
		tl[sec].T = float64(sec + 1)
		grow := 0.7 + 0.6*float64(sec)/dur // latency grows through an overloaded step
		if sh.errRate == 0 {
			grow = 0.9 + 0.2*rng.Float64()
		}
		tl[sec].P50 = round(sh.p50 * grow)
		tl[sec].P99 = round(sh.p99 * grow)
		tl[sec].Max = round(sh.p99 * grow * 1.8)
		tl[sec].Errors = errs / uint64(dur)
		tl[sec].CPU = round(sh.cpu * (0.95 + 0.1*rng.Float64()))
		tl[sec].RSSBytes = uint64(inst)*(18<<20) + uint64(i)*(3<<20) + uint64(sec)*(256<<10)
	}
}

// finishStep sets the figures derived from the counts: error kinds,
// instances, Little's law, warnings and the SLO.
func finishStep(st *results.Step, slo *results.SLO, sh shape, name string, inst int) {
	if n := st.Requests; n > 0 {
		st.ErrorRate = round(float64(st.Errors) / float64(n))
	}
	if st.Scheduled > st.Requests {
		st.Unsent = st.Scheduled - st.Requests
	}
	if errs := st.Errors; errs > 0 {
		st.ErrorsByKind = map[string]uint64{sh.errKind: errs - errs/5, "status_503": errs / 5}
	}
	st.Instances = map[string]uint64{}
	for k := 0; k < inst; k++ {
		share := 1 / float64(inst)
		if inst == 2 && name == "cluster" {
			share = []float64{0.58, 0.42}[k] // the kernel does not balance evenly
		}
		st.Instances[fmt.Sprintf("%s-%d", name, k+1)] = uint64(float64(st.Requests) * share)
	}
	mean := st.Latency.Mean / 1000 * st.Throughput
	st.LittlesLaw = &results.LittlesLaw{MeasuredConcurrency: round(mean * 1.03), PredictedConcurrency: round(mean), Holds: true}
	if sh.invalid != "" {
		st.Warnings = append(st.Warnings, sh.invalid)
	}
	if sh.warn != "" {
		st.Warnings = append(st.Warnings, sh.warn)
	}
	if slo != nil {
		ok := (slo.P99Ms == 0 || st.Latency.P99 <= slo.P99Ms) && st.ErrorRate <= slo.ErrorRate
		st.SLOPassed = &ok
	}
}

func summary(h *hdrhistogram.Histogram) results.Latency {
	ms := func(v int64) float64 { return round(float64(v) / 1000) }
	return results.Latency{
		Min: ms(h.Min()), Mean: round(h.Mean() / 1000),
		P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)),
		P9999: ms(h.ValueAtQuantile(99.99)), Max: ms(h.Max()),
	}
}

func enc(h *hdrhistogram.Histogram) string {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func round(x float64) float64 { return math.Round(x*1000) / 1000 }

func hostile() *results.Run {
	r := quickstart("20250303-120000-hostile", 1.0, false)
	r.Scenario = `<script>alert("name")</script>`
	r.Description = "Desc with </script><img src=x onerror=alert(1)> | pipes | and `backticks` & \"quotes\" 'single'"
	r.ScenarioYAML = "name: \"</script><script>alert(1)</script>\"\n"
	r.Warnings = append(r.Warnings, `<b>bold</b> warning </script><script>alert("w")</script>`)
	names := []string{`<i>single</i>"'`, "cl|uster `x` </script>", `re&plicas <svg onload=alert(1)>`}
	for i := range r.Targets {
		r.Targets[i].Name = names[i]
		r.Targets[i].Description = `<img src=x onerror=alert("desc")>`
		for j := range r.Targets[i].Steps {
			st := &r.Targets[i].Steps[j]
			inst := map[string]uint64{}
			keys := slices.Sorted(maps.Keys(st.Instances))
			for k, key := range keys {
				inst[fmt.Sprintf("<b>inst-%d</b>|`", k)] += st.Instances[key]
			}
			st.Instances = inst
		}
	}
	r.Targets[0].Steps[0].Warnings = append(r.Targets[0].Steps[0].Warnings, `step </script><script>alert("step")</script> | x`)
	r.Targets[1].Steps[0].Extra = map[string]float64{`<evil>|key`: 1}
	return r
}
