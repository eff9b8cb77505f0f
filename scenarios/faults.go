package scenarios

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/targets"
)

// Fault actions (a target's faults[].action).
const (
	FaultKill           = "kill"
	FaultPause          = "pause"
	FaultRollingRestart = "rolling_restart"
	FaultRedisDown      = "redis_down"
	FaultScale          = "scale"
)

var faultActions = []string{FaultKill, FaultPause, FaultRollingRestart, FaultRedisDown, FaultScale}

// InstanceBalancer is what faults[].instance says to hit the balancer.
const InstanceBalancer = "balancer"

// Fault is one thing done to a target while load runs: a chaos
// experiment's step. At counts from the start of the target's first
// measured step.
type Fault struct {
	// At is when the fault happens, from the start of the first measured step.
	At Duration `yaml:"at" json:"at"`
	// Action is kill, pause, rolling_restart, redis_down or scale.
	Action string `yaml:"action" json:"action"`
	// Instance is "1"…"N" (an instance, or a cluster worker) or "balancer"
	// (kill and pause; default "1").
	Instance string `yaml:"instance" json:"instance,omitempty"`
	// Signal is KILL (default) or TERM (kill).
	Signal string `yaml:"signal" json:"signal,omitempty"`
	// For is how long a pause or a Redis outage lasts.
	For Duration `yaml:"for" json:"for,omitempty"`
	// Drain is how long an instance taken out of the balancer gets to finish
	// its in-flight requests before it is stopped (rolling_restart, and
	// scale down; default 1s).
	Drain Duration `yaml:"drain" json:"drain,omitempty"`
	// To is the instance count after a scale.
	To int `yaml:"to" json:"to,omitempty"`
	// Line is the fault's line in the file, for messages.
	Line int `yaml:"-" json:"-"`
}

// DefaultDrain is a rolling restart's drain when the fault gives none.
const DefaultDrain = time.Second

// Autoscale adds and removes instances behind the balancer while load
// runs, with the rule of a Kubernetes HorizontalPodAutoscaler.
type Autoscale struct {
	// Min and Max bound the instance count.
	Min int `yaml:"min" json:"min"`
	Max int `yaml:"max" json:"max"`
	// TargetCPU is the wanted CPU use per instance as a fraction of its cpu_budget.
	TargetCPU float64 `yaml:"target_cpu" json:"target_cpu"`
	// Period is how often the autoscaler decides (default 2s).
	Period Duration `yaml:"period" json:"period"`
	// Stabilization is how long a lower recommendation must hold before
	// instances are removed (default 10s), like the HPA's scale-down window.
	Stabilization Duration `yaml:"stabilization" json:"stabilization"`
	// Line is the section's line in the file, for messages.
	Line int `yaml:"-" json:"-"`
}

// maxScale bounds scale.to and autoscale.max: more instances than this
// on one machine is surely a typo.
const maxScale = 32

// InstanceIndex is the 1-based instance a fault names (0 for the balancer
// or none).
func (f Fault) InstanceIndex() int {
	if f.Instance == "" {
		return 1
	}
	n, err := strconv.Atoi(f.Instance)
	if err != nil {
		return 0
	}
	return n
}

// End is when the fault's action is over, as planned (At plus For).
func (f Fault) End() time.Duration { return f.At.D() + f.For.D() }

// faults decodes a target's faults list.
func (d *decoder) faults(n *yaml.Node, path string) []Fault {
	out := []Fault{}
	d.list(n, path, func(it *yaml.Node, p string) { out = append(out, d.fault(it, p)) })
	return out
}

// fault decodes one fault and checks the fields its action takes.
func (d *decoder) fault(n *yaml.Node, path string) Fault {
	f := Fault{Line: line(n)}
	present := d.mapping(n, path, fields{
		"at": d.durationAtLeast(&f.At, 0, true),
		"action": func(v *yaml.Node, p string) {
			if d.str(v, p, &f.Action) {
				d.oneOf(v, p, f.Action, faultActions)
			}
		},
		"instance": func(v *yaml.Node, p string) {
			r := d.scalar(v, p, "an instance number or \"balancer\"", "!!int", "!!str")
			if r == nil {
				return
			}
			f.Instance = r.Value
			if n, err := strconv.Atoi(r.Value); (err != nil || n < 1) && r.Value != InstanceBalancer {
				d.add(v.Line, p, "must be an instance number (1, 2, …) or \"balancer\", got %q", r.Value)
			}
		},
		"signal": func(v *yaml.Node, p string) {
			if d.str(v, p, &f.Signal) {
				f.Signal = strings.TrimPrefix(strings.ToUpper(f.Signal), "SIG")
				d.oneOf(v, p, f.Signal, []string{"KILL", "TERM"})
			}
		},
		"for":   d.durationAtLeast(&f.For, 0, false),
		"drain": d.durationAtLeast(&f.Drain, 0, true),
		"to": func(v *yaml.Node, p string) {
			if d.integer(v, p, &f.To) && (f.To < 1 || f.To > maxScale) {
				d.add(v.Line, p, "must be between 1 and %d instances, got %d", maxScale, f.To)
			}
		},
	})
	if present == nil {
		return f
	}
	for _, req := range []string{"at", "action"} {
		if _, ok := present[req]; !ok {
			d.add(line(n), field(path, req), "required")
		}
	}
	d.faultFields(n, path, present, &f)
	return f
}

// faultTakes lists the fields each action takes besides at and action,
// and which of them it requires.
var faultTakes = map[string]struct{ takes, requires []string }{
	FaultKill:           {takes: []string{"instance", "signal"}},
	FaultPause:          {takes: []string{"instance", "for"}, requires: []string{"for"}},
	FaultRollingRestart: {takes: []string{"drain"}},
	FaultRedisDown:      {takes: []string{"for"}, requires: []string{"for"}},
	FaultScale:          {takes: []string{"to", "drain"}, requires: []string{"to"}},
}

// faultFields checks the fields present fit f's action.
func (d *decoder) faultFields(n *yaml.Node, path string, present map[string]*yaml.Node, f *Fault) {
	spec, ok := faultTakes[f.Action]
	if !ok {
		return
	}
	for _, k := range sortedKeys(present) {
		if k != "at" && k != "action" && !contains(spec.takes, k) {
			d.add(present[k].Line, field(path, k), "not used by action %s (it takes: %s)", f.Action, strings.Join(spec.takes, ", "))
		}
	}
	for _, k := range spec.requires {
		if _, ok := present[k]; !ok {
			d.add(line(n), field(path, k), "required by action %s", f.Action)
		}
	}
	if f.Action == FaultKill && f.Signal == "" {
		f.Signal = "KILL"
	}
	if (f.Action == FaultRollingRestart || f.Action == FaultScale) && present["drain"] == nil {
		f.Drain = Duration(DefaultDrain)
	}
}

// autoscale decodes a target's autoscale section.
func (d *decoder) autoscale(n *yaml.Node, path string) *Autoscale {
	a := &Autoscale{Line: line(n), Period: Duration(2 * time.Second), Stabilization: Duration(10 * time.Second)}
	present := d.mapping(n, path, fields{
		"min": d.intAtLeast(&a.Min, 1, ""),
		"max": d.intAtLeast(&a.Max, 1, ""),
		"target_cpu": func(v *yaml.Node, p string) {
			if d.number(v, p, &a.TargetCPU) && !(a.TargetCPU > 0 && a.TargetCPU <= 1) {
				d.add(v.Line, p, "must be a fraction of the cpu_budget in (0, 1], got %v", a.TargetCPU)
			}
		},
		"period":        d.durationAtLeast(&a.Period, 500*time.Millisecond, true),
		"stabilization": d.durationAtLeast(&a.Stabilization, 0, true),
	})
	if present == nil {
		return a
	}
	for _, req := range []string{"min", "max", "target_cpu"} {
		if _, ok := present[req]; !ok {
			d.add(a.Line, field(path, req), "required")
		}
	}
	if k, ok := present["max"]; ok && (a.Max < a.Min || a.Max > maxScale) {
		d.add(k.Line, field(path, "max"), "must be between min (%d) and %d, got %d", a.Min, maxScale, a.Max)
	}
	return a
}

// faultFieldNames are the target fields faults.go checks itself, once the
// target's kind is known.
var faultFieldNames = []string{"faults", "autoscale", "retries"}

// checkTargetFaults checks that the target can take its faults, autoscale
// and retries: scalebench must own it, and the topology must have what
// each action hits.
func (d *decoder) checkTargetFaults(t *Target, kind, path string, present map[string]*yaml.Node) {
	if kind == KindURL {
		for _, k := range faultFieldNames {
			if kn, ok := present[k]; ok {
				d.add(kn.Line, field(path, k), "not used by a url target: scalebench did not start the service, so it can neither kill, pause, restart nor scale it (use a command: target to break your own server)")
			}
		}
		return
	}
	shape := shapeOf(t, kind)
	if kn, ok := present["retries"]; ok && !shape.balanced {
		d.add(kn.Line, field(path, "retries"), "needs a balancer (replicas behind nginx or the Go balancer)")
	}
	for i, f := range t.Faults {
		if msg := shape.refuses(f); msg != "" {
			d.add(f.Line, index(field(path, "faults"), i), "%s", msg)
		}
	}
	if a := t.Autoscale; a != nil {
		switch {
		case !shape.balanced:
			d.add(a.Line, field(path, "autoscale"), "needs instances behind a balancer (topology replicas, or replicas on a command or image target)")
		case shape.instances < a.Min || shape.instances > a.Max:
			d.add(a.Line, field(path, "autoscale"), "the target starts with %d instances, outside min %d … max %d", shape.instances, a.Min, a.Max)
		}
	}
}

// targetShape is what faults may hit on one target.
type targetShape struct {
	topology  string
	instances int
	balanced  bool // instances behind a balancer
	cluster   bool // workers of a cluster primary
	redis     bool // a Redis server started for the target
}

// shapeOf works out the target's instances, balancer and Redis.
func shapeOf(t *Target, kind string) targetShape {
	s := targetShape{topology: t.Topology, instances: t.Replicas}
	if t.Workers > 0 {
		s.instances = t.Workers
	}
	topo, known := targets.Lookup(t.Topology)
	if s.instances == 0 {
		s.instances = 1
		if known && topo.DefaultInstances > 0 {
			s.instances = topo.DefaultInstances
		}
	}
	switch kind {
	case KindTopology:
		s.balanced = known && topo.Balanced && (t.Topology == "replicas" || t.Replicas > 0 || topo.DefaultInstances > 1)
		s.cluster = t.Topology == "cluster"
		s.redis = known && topo.Redis != ""
	default:
		s.topology = kind
		s.balanced = s.instances > 1
	}
	return s
}

// refuses says why the target cannot take f ("" when it can).
func (s targetShape) refuses(f Fault) string {
	what := "instance"
	if s.cluster {
		what = "worker"
	}
	switch f.Action {
	case FaultKill, FaultPause:
		if f.Instance == InstanceBalancer {
			if !s.balanced {
				return fmt.Sprintf("instance: balancer: the %s target has no balancer", s.topology)
			}
			return ""
		}
		if n := f.InstanceIndex(); n > s.instances {
			return fmt.Sprintf("instance: %d: the target has %d %s(s)", n, s.instances, what)
		}
	case FaultRedisDown:
		if !s.redis {
			return fmt.Sprintf("action redis_down: the %s target has no Redis (topologies with one: cached, queue, sessions-redis, ws-redis)", s.topology)
		}
	case FaultScale:
		if !s.balanced {
			return fmt.Sprintf("action scale: needs instances behind a balancer; the %s target has none", s.topology)
		}
	}
	return ""
}

// MeasuredTime is how long the measured steps run (warm-up excluded,
// cooldowns included): the time faults must fall in. It is 0 for a
// WebSocket scenario.
func (s *Scenario) MeasuredTime() time.Duration {
	l, df := s.Load, s.Defaults
	var n int
	switch {
	case s.WebSocket != nil:
		return 0
	case l.Ramp != nil:
		return l.Ramp.Over.D()
	case len(l.Concurrency) > 0:
		n = len(l.Concurrency)
	case len(l.Steps) > 0:
		n = len(l.Steps)
	default:
		n = 1
	}
	return time.Duration(n)*df.Duration.D() + time.Duration(n-1)*df.Cooldown.D()
}

// checkFaultTimes refuses faults outside the measured time, once the load
// and the defaults are known.
func (d *decoder) checkFaultTimes(s *Scenario) {
	total := s.MeasuredTime()
	for ti, t := range s.Targets {
		path := index("targets", ti)
		if s.WebSocket != nil && (len(t.Faults) > 0 || t.Autoscale != nil) {
			d.add(t.Line, path, "faults and autoscale are not supported in WebSocket scenarios yet")
			continue
		}
		if a := t.Autoscale; a != nil {
			budget := s.Defaults.CPUBudget
			if t.CPUBudget != nil {
				budget = *t.CPUBudget
			}
			if budget <= 0 {
				d.add(a.Line, field(path, "autoscale"), "needs a cpu_budget (defaults or target): utilization is instance CPU / cpu_budget")
			}
		}
		for i, f := range t.Faults {
			p := index(field(path, "faults"), i)
			switch {
			case f.At.D() >= total:
				d.add(f.Line, field(p, "at"), "%v is outside the measured time (%v: the steps after warm-up)", f.At, total)
			case f.End() > total:
				d.add(f.Line, field(p, "for"), "the fault ends at %v, after the measured time (%v)", f.End(), total)
			}
		}
	}
}
