package report

import (
	"fmt"
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalebench/scalebench/results"
)

// faultLines says in one line per target what its faults cost ("nginx:
// rolling restart: 0 failed requests; kill -9 of instance 2 of 3: 14
// failed, recovered in 1.2 s"), then, with several targets, which one kept
// the users' requests alive.
func faultLines(run *results.Run) []string {
	var out []string
	type total struct {
		name   string
		errors uint64
		faults int
	}
	var totals []total
	for _, t := range run.Targets {
		if len(t.Faults) == 0 {
			continue
		}
		parts := make([]string, len(t.Faults))
		tot := total{name: t.Name, faults: len(t.Faults)}
		for i, f := range t.Faults {
			parts[i] = faultText(&t, f)
			tot.errors += f.Errors
		}
		totals = append(totals, tot)
		out = append(out, t.Name+": "+strings.Join(parts, "; "))
	}
	for _, t := range run.Targets {
		if line := autoscaleText(&t); line != "" {
			out = append(out, t.Name+": "+line)
		}
	}
	if len(totals) > 1 {
		slices.SortStableFunc(totals, func(a, b total) int { return int(a.errors) - int(b.errors) })
		best, worst := totals[0], totals[len(totals)-1]
		if best.errors < worst.errors {
			out = append(out, fmt.Sprintf("kept users' requests alive best: %s (%s over %d fault%s); lost the most: %s (%s)",
				best.name, failedText(best.errors), best.faults, plural(best.faults), worst.name, failedText(worst.errors)))
		} else {
			out = append(out, fmt.Sprintf("every target lost %s over its faults", failedText(best.errors)))
		}
	}
	return out
}

// faultText describes one fault and its cost.
func faultText(t *results.Target, f results.Fault) string {
	what := faultName(t, f)
	if f.Error != "" {
		return what + ": " + oneLine(f.Error)
	}
	s := what + ": " + failedText(f.Errors)
	if f.Errors > 0 && len(f.ErrorsByKind) > 0 {
		s += " (" + kindsText(f.ErrorsByKind) + ")"
	}
	switch {
	case f.RecoveryS == nil:
		s += ", not recovered within the measured time"
	case *f.RecoveryS > 0:
		s += fmt.Sprintf(", recovered in %s", seconds(*f.RecoveryS))
	}
	if f.MaxLatencyMs > 0 {
		s += ", max latency " + Millis(f.MaxLatencyMs)
	}
	if f.ReplacedAfterS != nil {
		s += fmt.Sprintf(", replacement served after %s", seconds(*f.ReplacedAfterS))
	}
	return s
}

// faultName names the action: "kill -9 of instance 2 of 3".
func faultName(t *results.Target, f results.Fault) string {
	unit := "instance"
	if t.Topology == "cluster" {
		unit = "worker"
	}
	of := ""
	if n := t.Deployment.Instances; n > 0 {
		of = fmt.Sprintf(" of %d", n)
	}
	target := unit + " " + f.Instance + of
	if f.Instance == "balancer" {
		target = "the balancer"
	}
	switch f.Action {
	case "kill":
		sig := "-9"
		if f.Signal == "TERM" {
			sig = "-TERM"
		}
		return "kill " + sig + " of " + target
	case "pause":
		return "pause of " + target
	case "rolling_restart":
		return "rolling restart"
	case "redis_down":
		return "Redis down"
	case "scale":
		return fmt.Sprintf("scale to %d", f.To)
	}
	return f.Action
}

func failedText(n uint64) string {
	if n == 1 {
		return "1 failed request"
	}
	return fmt.Sprintf("%d failed requests", n)
}

// seconds formats a duration in seconds: "1.2 s", "60 ms".
func seconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%.0f ms", s*1000)
	}
	return fmt.Sprintf("%.1f s", s)
}

// faultMark draws a red vertical line at a fault's time on the over-time
// charts (of the first target that has faults, whose clock the x axis is).
type faultMark struct{ x float64 }

func (m faultMark) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(m.x)
	c.StrokeLine2(draw.LineStyle{Color: color.RGBA{R: 0xd0, G: 0x20, B: 0x20, A: 0xff}, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}},
		x, c.Min.Y, x, c.Max.Y)
}

// markFaults adds a mark for each fault of the series' targets; faults
// at the same second are marked once.
func markFaults(p *plot.Plot, ss []series) {
	seen := map[int]bool{}
	for _, s := range ss {
		for _, f := range s.Target.Faults {
			if f.Error != "" || !plottable(f.AtS) || seen[int(f.AtS)] {
				continue
			}
			seen[int(f.AtS)] = true
			p.Add(faultMark{x: f.AtS})
		}
	}
}

// hasScaling reports whether a target of the runs changed its instance count.
func hasScaling(runs []*results.Run) bool {
	for _, r := range runs {
		for _, t := range r.Targets {
			if len(t.ScaleEvents) > 0 {
				return true
			}
		}
	}
	return false
}

// instancesOverTime plots the timeline's instance count of the targets that scaled.
func instancesOverTime(ss []series) *plot.Plot {
	var scaled []series
	for _, s := range ss {
		if len(s.Target.ScaleEvents) > 0 {
			scaled = append(scaled, s)
		}
	}
	return overTime(scaled, "Instances over time", "instances", false, func(p results.Point) (float64, bool) { return float64(p.Instances), p.Instances > 0 })
}

// autoscaleText summarises a target's autoscaler events: "autoscale: 1 → 3
// at 2.1 s (utilization 190%), serving 0.4 s later, 0 failed requests
// meanwhile; …".
func autoscaleText(t *results.Target) string {
	var parts []string
	for _, e := range t.ScaleEvents {
		if e.Reason != "autoscale" {
			continue
		}
		p := fmt.Sprintf("%d → %d at %s (utilization %s)", e.From, e.To, seconds(e.AtS), Percent(e.Utilization))
		if e.Error != "" {
			parts = append(parts, p+": "+oneLine(e.Error))
			continue
		}
		p += fmt.Sprintf(", effective %s later, %s meanwhile", seconds(e.ReadyS-e.AtS), failedText(e.Errors))
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return "autoscale: " + strings.Join(parts, "; ")
}
