package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// standings is each target's record over the levels, and its capacity
// with the figure and interval that made the call.
func standings(run *results.Run, levels []results.LevelVerdict) []results.TargetVerdict {
	out := make([]results.TargetVerdict, 0, len(run.Targets))
	for ti := range run.Targets {
		t := &run.Targets[ti]
		tv := results.TargetVerdict{Name: t.Name, CapacityRate: t.CapacityRate}
		for _, lv := range levels {
			switch {
			case lv.Winner != nil && *lv.Winner == t.Name:
				tv.Wins++
			case slices.Contains(lv.Tied, t.Name):
				tv.TiedBest++
			}
			if !excludedAt(lv, t.Name) {
				tv.Levels++
			}
		}
		if run.SLO != nil {
			tv.CapacityReason = capacityReason(run.SLO, t)
		}
		out = append(out, tv)
	}
	return out
}

func excludedAt(lv results.LevelVerdict, name string) bool {
	for _, e := range lv.Excluded {
		if strings.HasPrefix(e, name+": ") {
			return true
		}
	}
	return false
}

// capacityReason explains a target's capacity with the step above it
// that failed the SLO (or the top step it held), and its interval.
func capacityReason(slo *results.SLO, t *results.Target) string {
	var held, broke *results.Step
	for i := range t.Steps {
		s := &t.Steps[i]
		if ok, known := sloPassed(slo, s); s.Valid && known && ok && (held == nil || stepLoad(s) > stepLoad(held)) {
			held = s
		}
	}
	capacity := 0.0
	if held != nil {
		capacity = stepLoad(held)
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		if ok, known := sloPassed(slo, s); s.Valid && known && !ok && stepLoad(s) > capacity && (broke == nil || stepLoad(s) < stepLoad(broke)) {
			broke = s
		}
	}
	unit := "req/s"
	if len(t.Steps) > 0 {
		unit = unitOf(&t.Steps[0])
	}
	switch {
	case held == nil && broke != nil:
		return fmt.Sprintf("no load met the SLO: at %s %s", loadLabel(stepLoad(broke), unit), sloFigure(slo, broke))
	case held == nil:
		return "no valid step met the SLO"
	case broke == nil:
		return fmt.Sprintf("capacity %s: held the SLO at every valid step (%s)", loadLabel(capacity, unit), sloFigure(slo, held))
	}
	return fmt.Sprintf("capacity %s: at %s %s", loadLabel(capacity, unit), loadLabel(stepLoad(broke), unit), sloFigure(slo, broke))
}

// sloFigure is the step's p99 (or error rate) against the SLO, with its
// interval and whether the interval makes the call clear.
func sloFigure(slo *results.SLO, s *results.Step) string {
	if passed, _ := sloPassed(slo, s); slo.P99Ms > 0 && (passed || s.Latency.P99 > slo.P99Ms) {
		op, clear := "≤", true
		if s.Latency.P99 > slo.P99Ms {
			op = ">"
		}
		if s.LatencyCI != nil && !notEnough(s) {
			clear = !s.LatencyCI.P99.Contains(slo.P99Ms)
		}
		txt := fmt.Sprintf("p99 %s %s %s %s", ms(s.Latency.P99), ciText(s), op, ms(slo.P99Ms))
		if !clear {
			txt += " (not clear: the interval reaches the SLO)"
		}
		return txt
	}
	txt := fmt.Sprintf("errors %.2g%%", 100*s.ErrorRate)
	if s.ErrorRateCI != nil {
		txt += fmt.Sprintf(" [%.2g, %.2g]", 100*s.ErrorRateCI[0], 100*s.ErrorRateCI[1])
	}
	return txt + fmt.Sprintf(" vs SLO %.2g%%", 100*slo.ErrorRate)
}

// headline is the one-sentence answer: the top load's verdict, then each
// target's wins and capacity.
func headline(run *results.Run, a *results.Analysis) string {
	if len(a.Levels) == 0 {
		return "no load level was measured"
	}
	top := a.Levels[len(a.Levels)-1]
	at := loadLabel(top.Load, top.Unit)
	var s string
	switch {
	case top.Winner != nil:
		s = fmt.Sprintf("At the top load (%s) %s has the clearly lowest p99: %s.", at, *top.Winner, top.Reason)
	case len(top.Tied) > 0:
		s = fmt.Sprintf("At the top load (%s): %s.", at, top.Reason)
	default:
		s = fmt.Sprintf("No target qualified at the top load (%s): %s.", at, strings.Join(top.Excluded, "; "))
	}
	if len(a.Levels) > 1 {
		var wins []string
		for _, t := range a.Targets {
			if t.Wins > 0 {
				wins = append(wins, fmt.Sprintf("%s clearly best at %d of %d levels", t.Name, t.Wins, len(a.Levels)))
			}
		}
		if len(wins) == 0 {
			wins = []string{"No target is clearly best at any level"}
		}
		s += " " + strings.Join(wins, "; ") + "."
	}
	return s
}
