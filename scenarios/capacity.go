package scenarios

import (
	"time"

	"gopkg.in/yaml.v3"
)

// Search is a capacity search (load.search): per target, the highest
// arrival rate whose step is valid and meets the SLO, found by probes
// (see docs/capacity.md).
type Search struct {
	// From is the first rate probed (req/s); the rate doubles from there
	// until a probe fails.
	From float64 `yaml:"from" json:"from"`
	// To is the highest rate probed (req/s).
	To float64 `yaml:"to" json:"to"`
	// Resolution is the relative width at which bisection stops (default
	// 0.05: the capacity is known within 5%).
	Resolution float64 `yaml:"resolution" json:"resolution"`
	// MaxTime caps one target's search, probes included (default 10m).
	MaxTime Duration `yaml:"max_time" json:"max_time"`
}

// Defaults of a search.
const (
	defaultResolution    = 0.05
	defaultSearchMaxTime = 10 * time.Minute
	minResolution        = 0.005
)

// search decodes load.search.
func (d *decoder) search(n *yaml.Node, path string) *Search {
	s := &Search{Resolution: defaultResolution, MaxTime: Duration(defaultSearchMaxTime)}
	var fromOK, toOK bool
	present := d.mapping(n, path, fields{
		"from": func(v *yaml.Node, p string) {
			if fromOK = d.number(v, p, &s.From); fromOK && (s.From <= 0 || s.From > maxRate) {
				fromOK = false
				d.add(v.Line, p, "must be > 0 and ≤ %d req/s, got %v", maxRate, s.From)
			}
		},
		"to": func(v *yaml.Node, p string) {
			if toOK = d.number(v, p, &s.To); toOK && (s.To <= 0 || s.To > maxRate) {
				toOK = false
				d.add(v.Line, p, "must be > 0 and ≤ %d req/s, got %v", maxRate, s.To)
			}
		},
		"resolution": func(v *yaml.Node, p string) {
			if d.number(v, p, &s.Resolution) && (s.Resolution < minResolution || s.Resolution >= 1) {
				d.add(v.Line, p, "must be a fraction between %v and 1 (0.05 = the capacity within 5%%), got %v", minResolution, s.Resolution)
			}
		},
		"max_time": d.durationAtLeast(&s.MaxTime, 0, false),
	})
	if present == nil {
		return s
	}
	for _, req := range []string{"from", "to"} {
		if _, ok := present[req]; !ok {
			d.add(line(n), field(path, req), "required: a search needs from (first rate) and to (highest rate), in req/s")
		}
	}
	if fromOK && toOK && s.To <= s.From {
		d.add(present["to"].Line, field(path, "to"), "must be above from (%v), got %v", s.From, s.To)
	}
	return s
}

// sizes returns a field function for replicas or workers: one count, or a
// list of counts (a scaling sweep: one variant of the target per size).
func (d *decoder) sizes(dst *int, sweep *[]int) fieldFunc {
	one := d.instances(dst)
	return func(v *yaml.Node, p string) {
		if r := resolve(v); r == nil || r.Kind != yaml.SequenceNode {
			one(v, p)
			return
		}
		*sweep = []int{}
		d.list(v, p, func(it *yaml.Node, ip string) {
			var n int
			if d.integer(it, ip, &n) {
				switch {
				case n < 1 || n > maxInstances:
					d.add(it.Line, ip, "must be ≥ 1 and ≤ %d, got %d", maxInstances, n)
				case len(*sweep) > 0 && n <= (*sweep)[len(*sweep)-1]:
					d.add(it.Line, ip, "sizes must increase, got %d after %d", n, (*sweep)[len(*sweep)-1])
				}
			}
			*sweep = append(*sweep, n)
		})
		if len(*sweep) == 0 {
			d.add(v.Line, p, "must list at least one size, e.g. [1, 2, 3, 4]")
			return
		}
		*dst = (*sweep)[0]
	}
}

// checkCapacity checks what the capacity fields need from other sections:
// a search needs an SLO to judge probes by; a target rate needs a sweep.
func (d *decoder) checkCapacity(s *Scenario, present map[string]*yaml.Node) {
	if s.Load.Search != nil && s.SLO == nil {
		d.add(s.Load.SearchLine, "load.search", "needs an slo: a probe passes when it is valid and meets the SLO (add slo: {p99: 50ms})")
	}
	if s.SLO == nil || s.SLO.TargetRate == 0 {
		return
	}
	for _, t := range s.Targets {
		if len(t.Sweep) > 0 {
			return
		}
	}
	d.add(s.SLO.TargetRateLine, "slo.target_rate", "needs a target with a size sweep to answer how many instances, e.g. replicas: [1, 2, 3, 4]")
}
