package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// pair is one target's step at one level, on both sides.
type pair struct {
	target    string
	load      float64
	unit      string
	base, new *results.Step
}

// row compares metric m at one level: over trials when both sides have at
// least two, else over the steps' intervals, else not at all.
//
// Figures that depend on the generator keeping its schedule (latency,
// throughput, errors) are judged only from valid measurements: invalid
// trials are left out, and an invalid step without trials is shown but not
// judged. CPU per request is the target's own cost per request, whatever
// the schedule, so it is judged from every measurement.
func row(p pair, m Metric) Row {
	r := Row{Target: p.target, Load: p.load, LoadUnit: p.unit, Metric: m}
	bv, bci := m.step(p.base)
	nv, nci := m.step(p.new)
	strict := !m.TargetSide
	bt, bDropped := m.trialValues(p.base, strict)
	nt, nDropped := m.trialValues(p.new, strict)
	trials := len(bt)+bDropped >= 2 && len(nt)+nDropped >= 2
	switch {
	case math.IsNaN(bv) || math.IsNaN(nv):
		r.Comparison = stats.Untested(bv, nv, stats.MethodNotFinite)
		r.Note = "not measured on " + missingSide(bv, nv)
	case trials && (len(bt) < 2 || len(nt) < 2):
		r.Comparison = stats.Untested(bv, nv, stats.MethodTooFew)
		r.Note = fmt.Sprintf("too few valid trials (%d vs %d)", len(bt), len(nt))
	case trials:
		r.Comparison = stats.CompareSamples(bt, nt)
		if bDropped+nDropped > 0 {
			r.Note = fmt.Sprintf("%d invalid trial(s) left out", bDropped+nDropped)
		}
	case strict && invalid(p) != "":
		// An invalid step's figures cannot be trusted (the generator fell
		// behind or saturated): show them, do not judge them.
		r.Comparison = stats.Untested(bv, nv, stats.MethodNoInterval)
		r.Note = invalid(p)
	case bci != nil && nci != nil:
		r.Comparison = stats.CompareEstimates(bv, *bci, nv, *nci)
	default:
		r.Comparison = stats.Untested(bv, nv, stats.MethodNoInterval)
		r.Note = "no interval" + lacking(bci == nil, nci == nil)
	}
	if r.Note == "" {
		r.Note = methodNote(r.Comparison)
	}
	if inv := invalid(p); !strict && inv != "" && r.Note == "" {
		r.Note = strings.Replace(inv, "(not judged)", "(judged: the target's own cost)", 1)
	}
	return r
}

// methodNote explains a comparison that could not reach significance.
func methodNote(c stats.Comparison) string {
	switch {
	case c.Method == stats.MethodIdentical:
		return "identical on both sides"
	case c.Method == stats.MethodAllZero:
		return "0 on both sides"
	case c.Method == stats.MethodTooFew:
		return "too few trials"
	case c.Method == stats.MethodZeroVariance:
		return "no spread to test against"
	case c.Method == stats.MethodNotFinite:
		return "not a number"
	case !c.Enough:
		return fmt.Sprintf("%d vs %d trials cannot reach significance", c.N1, c.N2)
	}
	return ""
}

// lacking names the side(s) without trials or an interval: " in base", " in new", "".
func lacking(base, new bool) string {
	switch {
	case base && new:
		return ""
	case base:
		return " in base"
	}
	return " in new"
}

func missingSide(bv, nv float64) string {
	switch {
	case math.IsNaN(bv) && math.IsNaN(nv):
		return "either side"
	case math.IsNaN(bv):
		return "base"
	}
	return "new"
}

// invalid says which side's step is invalid ("" when both are valid).
func invalid(p pair) string {
	var sides []string
	if !p.base.Valid {
		sides = append(sides, "base")
	}
	if !p.new.Valid {
		sides = append(sides, "new")
	}
	if len(sides) == 0 {
		return ""
	}
	return "invalid step in " + strings.Join(sides, " and ") + " (not judged)"
}
