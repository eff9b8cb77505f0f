package faults

import (
	"slices"

	"github.com/scalebench/scalebench/results"
)

// Band tolerances: a second is "back to normal" when its p99 is at most
// p99Slack × the highest pre-fault p99 plus p99Floor, and its error rate
// at most the highest pre-fault error rate plus errSlack. The slack keeps
// one noisy second of a shared machine from counting as a fault's cost.
const (
	p99Slack = 1.25
	p99Floor = 2.0 // ms
	errSlack = 0.002
	// startSlack lets the second starting just after a fault count as
	// after it: faults are scheduled on the runner's clock, which starts a
	// few milliseconds before the step's.
	startSlack = 0.05
)

// Band is the pre-fault normal a second must be back within.
type Band struct {
	// P99Ms is the highest p99 allowed.
	P99Ms float64
	// ErrorRate is the highest error rate allowed.
	ErrorRate float64
	// BaseP99Ms and BaseErrorRate are the pre-fault figures it derives from.
	BaseP99Ms, BaseErrorRate float64
}

// Timeline joins the steps' per-second points into one timeline whose T
// counts seconds from the first step's start (steps separated by a
// cooldown leave a gap).
func Timeline(steps []results.Step) []results.Point {
	if len(steps) == 0 {
		return nil
	}
	t0 := steps[0].StartedAt
	var out []results.Point
	for _, s := range steps {
		off := s.StartedAt.Sub(t0).Seconds()
		for _, p := range s.Timeline {
			p.T += off
			out = append(out, p)
		}
	}
	return out
}

// BandBefore derives the band from the seconds that ended before at.
// With none (a fault in the first second), it uses the last three seconds
// of the timeline: the state the target settles in.
func BandBefore(tl []results.Point, at float64) (Band, bool) {
	var pre []results.Point
	for _, p := range tl {
		if p.T+width(tl, p) <= at && p.Requests > 0 {
			pre = append(pre, p)
		}
	}
	if len(pre) == 0 {
		for i := len(tl) - 1; i >= 0 && len(pre) < 3; i-- {
			if tl[i].Requests > 0 && tl[i].T >= at {
				pre = append(pre, tl[i])
			}
		}
	}
	if len(pre) == 0 {
		return Band{}, false
	}
	var b Band
	for _, p := range pre {
		b.BaseP99Ms = max(b.BaseP99Ms, p.P99)
		b.BaseErrorRate = max(b.BaseErrorRate, rate(p))
	}
	b.P99Ms = b.BaseP99Ms*p99Slack + p99Floor
	b.ErrorRate = b.BaseErrorRate + errSlack
	return b, true
}

// Within reports whether second p is back within the band: it completed
// requests, with p99 and error rate no higher than the band's.
func (b Band) Within(p results.Point) bool {
	return p.Requests > 0 && p.P99 <= b.P99Ms && rate(p) <= b.ErrorRate
}

// Cost fills f's cost from the timeline (T from the first measured step,
// as f.AtS and f.EndS): the band before the fault, the recovery time (from
// the fault to the start of the first second that begins after the fault,
// ends after the action and is back within the band), and the requests, errors by kind and highest latency
// from the fault's second to the recovered one, both included (to the end
// of the timeline when it never recovered).
func Cost(tl []results.Point, f *results.Fault) {
	band, ok := BandBefore(tl, f.AtS)
	if !ok {
		return
	}
	f.BaselineP99Ms, f.BaselineErrorRate = band.BaseP99Ms, band.BaseErrorRate
	first := slices.IndexFunc(tl, func(p results.Point) bool { return p.T+width(tl, p) > f.AtS })
	if first < 0 {
		return
	}
	last := len(tl) - 1
	f.RecoveryS = nil
	end := max(f.EndS, f.AtS)
	for i := first; i < len(tl); i++ {
		p := tl[i]
		// A second counts once it starts after the fault (the second the
		// fault fell in is mostly from before it) and ends after the action.
		if p.T < f.AtS-startSlack || p.T+width(tl, p) <= end || !band.Within(p) {
			continue
		}
		r := max(0, p.T-f.AtS)
		f.RecoveryS, last = &r, i
		break
	}
	f.Requests, f.Errors, f.MaxLatencyMs, f.ErrorsByKind = 0, 0, 0, nil
	for _, p := range tl[first : last+1] {
		f.Requests += p.Requests
		f.Errors += p.Errors
		f.MaxLatencyMs = max(f.MaxLatencyMs, p.Max)
		for k, n := range p.ErrorsByKind {
			if f.ErrorsByKind == nil {
				f.ErrorsByKind = map[string]uint64{}
			}
			f.ErrorsByKind[k] += n
		}
	}
}

// width is the length of p's interval. Timelines hold one point per
// second (a step longer than an hour merges them; faults are planned in
// the first minutes), so it is a second.
func width([]results.Point, results.Point) float64 { return 1 }

func rate(p results.Point) float64 {
	if p.Requests == 0 {
		return 0
	}
	return float64(p.Errors) / float64(p.Requests)
}

// Span sums the seconds of the timeline that overlap [from, to]: requests
// completed, errors and the highest latency — what users met while, for
// example, new instances were starting.
func Span(tl []results.Point, from, to float64) (requests, errors uint64, maxMs float64) {
	for _, p := range tl {
		if p.T+width(tl, p) <= from || p.T > to {
			continue
		}
		requests += p.Requests
		errors += p.Errors
		maxMs = max(maxMs, p.Max)
	}
	return requests, errors, maxMs
}
