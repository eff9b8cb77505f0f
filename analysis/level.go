package analysis

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// entry is one target's step at one level.
type entry struct {
	target string
	step   *results.Step
	// why is non-empty when the entry cannot win: "invalid step", …
	why string
}

// level is every target's step at one load level.
type level struct {
	load    float64
	unit    string
	entries []entry
}

// levelsOf groups the run's steps by step index, in order.
func levelsOf(run *results.Run) []level {
	byIndex := map[int]*level{}
	var order []int
	for ti := range run.Targets {
		t := &run.Targets[ti]
		for si := range t.Steps {
			s := &t.Steps[si]
			lv := byIndex[s.Index]
			if lv == nil {
				lv = &level{load: stepLoad(s), unit: unitOf(s)}
				byIndex[s.Index] = lv
				order = append(order, s.Index)
			}
			lv.entries = append(lv.entries, entry{target: t.Name, step: s, why: exclusion(run.SLO, t, s)})
		}
	}
	slices.Sort(order)
	out := make([]level, 0, len(order))
	for _, i := range order {
		out = append(out, *byIndex[i])
	}
	return out
}

// exclusion says why a target's step cannot win, or "".
func exclusion(slo *results.SLO, t *results.Target, s *results.Step) string {
	passed, known := sloPassed(slo, s)
	switch {
	case t.Status == results.StatusFailed:
		return "target failed"
	case s.Requests == 0 || s.Requests == s.Errors:
		return "no request completed"
	case !s.Valid:
		return "invalid step"
	case known && !passed:
		return "failed the SLO"
	}
	return ""
}

// decide makes one level's verdict: the qualifying entries are ranked by
// p99; the best wins only when it beats every other one significantly by
// at least minEffect, else the ones it does not clearly beat tie with it.
func decide(lv level, minEffect float64) results.LevelVerdict {
	v := results.LevelVerdict{Load: lv.load, Unit: lv.unit, Metric: Metric, Tied: []string{}}
	var q []entry
	for _, e := range lv.entries {
		if e.why != "" {
			v.Excluded = append(v.Excluded, e.target+": "+e.why)
			continue
		}
		q = append(q, e)
	}
	slices.SortStableFunc(q, func(a, b entry) int { return cmp.Compare(a.step.Latency.P99, b.step.Latency.P99) })
	switch len(q) {
	case 0:
		v.Reason = "no target qualified (" + names(v.Excluded) + ")"
		return v
	case 1:
		if len(lv.entries) == 1 {
			v.Tied = []string{q[0].target}
			v.Reason = fmt.Sprintf("%s: p99 %s %s (the only target measured)", q[0].target, ms(q[0].step.Latency.P99), ciText(q[0].step))
			return v
		}
		v.Winner = &q[0].target
		v.Reason = fmt.Sprintf("%s: p99 %s %s, the only target that qualified", q[0].target, ms(q[0].step.Latency.P99), ciText(q[0].step))
		return v
	}
	best := q[0]
	cmps := make([]stats.Comparison, len(q)-1)
	ps := make([]float64, len(q)-1)
	for i, e := range q[1:] {
		cmps[i] = compareP99(best.step, e.step)
		ps[i] = cmps[i].P
	}
	adj := stats.Holm(ps)
	clear := make([]bool, len(cmps))
	all := true
	for i, c := range cmps {
		clear[i] = c.Enough && adj[i] < stats.Alpha && c.Ratio >= 1+minEffect
		all = all && clear[i]
	}
	if all {
		v.Winner = &best.target
	} else {
		v.Tied = append(v.Tied, best.target)
		for i, e := range q[1:] {
			if !clear[i] {
				v.Tied = append(v.Tied, e.target)
			}
		}
	}
	v.Reason = reason(v, best, q[1:], cmps, adj, clear)
	return v
}

// compareP99 compares two steps' p99 (base: the better one): over the
// trials when each side has at least three, else from the intervals.
// A p99 too short to have an interval is never a clear difference.
func compareP99(base, other *results.Step) stats.Comparison {
	if notEnough(base) || notEnough(other) || base.LatencyCI == nil || other.LatencyCI == nil {
		c := stats.CompareEstimates(base.Latency.P99, results.Interval{0, base.Latency.Max}, other.Latency.P99, results.Interval{0, other.Latency.Max})
		c.Enough, c.P, c.Method = false, 1, "not-enough-data"
		return c
	}
	if len(base.Trials) >= 3 && len(other.Trials) >= 3 {
		return stats.CompareSamples(trialP99(base), trialP99(other))
	}
	return stats.CompareEstimates(base.Latency.P99, base.LatencyCI.P99, other.Latency.P99, other.LatencyCI.P99)
}

func notEnough(s *results.Step) bool { return slices.Contains(s.CINotEnoughData, Metric) }

func trialP99(s *results.Step) []float64 {
	out := make([]float64, 0, len(s.Trials))
	for _, t := range s.Trials {
		out = append(out, t.P99)
	}
	return out
}

// reason says the verdict in words, with the figures and intervals.
func reason(v results.LevelVerdict, best entry, rest []entry, cmps []stats.Comparison, adj []float64, clear []bool) string {
	s := fmt.Sprintf("%s: p99 %s %s vs ", best.target, ms(best.step.Latency.P99), ciText(best.step))
	if v.Winner == nil {
		s = "no clear difference between " + names(v.Tied) + " — " + s
	}
	for i, e := range rest {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %s %s (%s)", e.target, ms(e.step.Latency.P99), ciText(e.step), diffText(cmps[i], adj[i], clear[i]))
	}
	return s
}

// ciText is the step's p99 interval, or why it has none.
func ciText(s *results.Step) string {
	if s.LatencyCI == nil || notEnough(s) {
		return "(too few requests for an interval)"
	}
	return interval(s.Latency.P99, s.LatencyCI.P99)
}

// diffText says how one comparison came out.
func diffText(c stats.Comparison, p float64, clear bool) string {
	switch {
	case !c.Enough:
		return "not enough data to tell"
	case clear:
		return fmt.Sprintf("%s× higher, %s", sig(c.Ratio), pText(p))
	case p >= stats.Alpha:
		return fmt.Sprintf("%s×, not significant: %s", sig(c.Ratio), pText(p))
	}
	return fmt.Sprintf("%s×, below the minimum effect", sig(c.Ratio))
}

// stepLoad is a step's load level: offered rate, concurrency or connections.
func stepLoad(s *results.Step) float64 { return s.Load() }

func unitOf(s *results.Step) string {
	switch {
	case s.WebSocket != nil:
		return "connections"
	case s.Model == "closed":
		return "clients"
	case len(s.Flows) > 0:
		return "flows/s"
	}
	return "req/s"
}

func pText(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.2g", p)
}
