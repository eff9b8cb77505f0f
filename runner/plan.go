package runner

import (
	"net/http"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// Quick-mode ceilings: smoke runs keep the shape of the scenario (every step,
// every target) but hold each step only briefly.
const (
	quickWarmup   = 1 * time.Second
	quickDuration = 2 * time.Second
	quickRamp     = 4 * time.Second
)

// Phases turns the scenario's load section into the generator's phases: a
// warm-up (discarded) followed by the measured steps, in order. With quick
// set, durations are capped for smoke runs.
func Phases(sc *scenarios.Scenario, quick bool) []load.Phase {
	if sc.IsWebSocket() {
		// One phase: the WebSocket generator holds its connections across
		// its steps (see websocket.go); opening them is the warm-up.
		return []load.Phase{{Model: "open", Duration: wsPlanned(WSConfig(sc, quick))}}
	}
	d := sc.Defaults
	warmup, duration := d.Warmup.D(), d.Duration.D()
	if quick {
		warmup, duration = minDur(warmup, quickWarmup), minDur(duration, quickDuration)
	}
	l := sc.Load
	var out []load.Phase
	add := func(p load.Phase) {
		p.Index = len(out)
		if len(out) > 0 && out[0].Discard {
			p.Index--
		}
		out = append(out, p)
	}
	model := sc.Model()
	switch {
	case len(l.Concurrency) > 0:
		if warmup > 0 {
			add(load.Phase{Model: model, Concurrency: l.Concurrency[0], Duration: warmup, Discard: true})
		}
		for _, c := range l.Concurrency {
			add(load.Phase{Model: model, Concurrency: c, Duration: duration})
		}
	case l.Search != nil:
		// The probes are planned by the search as it goes (search.go).
		if warmup > 0 {
			add(load.Phase{Model: model, Rate: l.Search.From, Duration: warmup, Discard: true})
		}
	case l.Ramp != nil:
		over := l.Ramp.Over.D()
		if quick {
			over = minDur(over, quickRamp)
		}
		if warmup > 0 {
			add(load.Phase{Model: model, Rate: l.Ramp.From, Duration: warmup, Discard: true})
		}
		add(load.Phase{Model: model, Rate: l.Ramp.From, RampTo: l.Ramp.To, Windows: l.Ramp.Windows, Duration: over})
	default:
		rates := l.Steps
		if len(rates) == 0 {
			rates = []float64{l.Rate}
		}
		if warmup > 0 {
			add(load.Phase{Model: model, Rate: rates[0], Duration: warmup, Discard: true})
		}
		for _, r := range rates {
			add(load.Phase{Model: model, Rate: r, Duration: duration})
		}
	}
	return out
}

// Requests converts the scenario's requests for the generator.
func Requests(sc *scenarios.Scenario) []load.Request {
	out := make([]load.Request, 0, len(sc.Requests))
	for _, r := range sc.Requests {
		h := make(http.Header, len(r.Headers))
		for k, v := range r.Headers {
			h.Set(k, v)
		}
		out = append(out, load.Request{Name: r.Name, Method: r.Method, Path: r.Path, Headers: h, Body: []byte(r.Body), Weight: r.Weight})
	}
	return out
}

// Spec builds the driver's view of one scenario target, with the scenario
// defaults applied and the target's overrides on top.
func Spec(sc *scenarios.Scenario, t scenarios.Target, runID string) targets.Spec {
	d := sc.Defaults
	s := targets.Spec{
		RunID:          runID,
		Name:           t.Name,
		Topology:       t.Topology,
		Balancer:       t.Balancer,
		Policy:         t.Policy,
		Command:        t.Command,
		Dir:            t.Dir,
		Env:            t.Env,
		URL:            t.URL,
		Image:          t.Image,
		Port:           t.Port,
		Health:         t.Health,
		CPUBudget:      d.CPUBudget,
		MemoryMB:       d.MemoryMB,
		GOMAXPROCS:     d.GOMAXPROCS,
		StartupTimeout: d.StartupTimeout.D(),
	}
	switch {
	case len(t.Command) > 0:
		s.Topology = "command"
	case t.URL != "":
		s.Topology = "url"
	case t.Image != "":
		s.Topology = "image"
	}
	s.Instances = t.Replicas
	if t.Workers > 0 {
		s.Instances = t.Workers
	}
	if s.Instances == 0 {
		s.Instances = 1
		if topo, ok := targets.Lookup(s.Topology); ok && topo.DefaultInstances > 0 {
			s.Instances = topo.DefaultInstances
		}
	}
	if t.CPUBudget != nil {
		s.CPUBudget = *t.CPUBudget
	}
	if a := t.Autoscale; a != nil {
		s.Autoscale = &targets.Autoscale{Min: a.Min, Max: a.Max, TargetCPU: a.TargetCPU, Stabilization: a.Stabilization.D()}
	}
	if t.MemoryMB != nil {
		s.MemoryMB = *t.MemoryMB
	}
	if t.GOMAXPROCS != nil {
		s.GOMAXPROCS = *t.GOMAXPROCS
	}
	// Redis-backed topologies: their scenario sections become app flags.
	s.AppArgs = append(s.AppArgs, t.Cache.AppArgs()...)
	s.AppArgs = append(s.AppArgs, t.Queue.AppArgs()...)
	if t.Queue != nil {
		s.QueueWorkers = t.Queue.Workers
	}
	if t.Retries != nil {
		s.Retries = map[bool]string{true: "on", false: "off"}[*t.Retries]
	}
	s.Database = databaseSpec(t, s.CPUBudget)
	applyServices(&s, t) // services.go
	return s
}

func minDur(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}
