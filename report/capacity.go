package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalebench/scalebench/capacity"
	"github.com/scalebench/scalebench/results"
)

// This file renders capacity planning (issue 12): a capacity search's
// probes and answer, each scaling sweep's USL fit and the instance count
// for the target rate, and the scaling chart. The figures come from
// results.json (Target.Search, Run.Scaling); the chart's band is the
// capacity package's bootstrap over the stored capacities.

// probeStep accounts for one probe of a capacity search in the verdict:
// probes are not load levels (each target's probes are at its own rates),
// so they are not compared across targets; their warnings still show.
func probeStep(v *Verdict, tv *TargetVerdict, t *results.Target, s *results.Step) {
	where := fmt.Sprintf("probe %d (%s)", s.Index+1, Rate(s.OfferedRate))
	if !s.Valid {
		tv.InvalidSteps++
		v.InvalidSteps++
	}
	for _, w := range s.Warnings {
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: s.Index, Load: where, Invalid: !s.Valid, Text: w})
	}
}

// searchVerdict sets a searched target's capacity from the search, which
// confirmed it, instead of the highest passing probe.
func searchVerdict(tv *TargetVerdict, t *results.Target) {
	tv.Searched = true
	tv.Capacity, tv.HasCapacity = t.CapacityRate, t.CapacityRate > 0
	tv.CapacityLabel = "none"
	if tv.HasCapacity {
		tv.CapacityLabel = capacityText(t)
	}
	// The SLO verdict of a search: did any confirmed rate meet it?
	if tv.SLO == "pass" && !tv.HasCapacity {
		tv.SLO, tv.SLOReason = "fail", "no probe passed"
	}
	tv.Broke, tv.BrokeLabel, tv.BrokeWhy = false, "", ""
	if iv := t.CapacityInterval; iv != nil && iv.Hi() > 0 {
		tv.Broke, tv.BrokeAt = true, iv.Hi()
		tv.BrokeLabel = Rate(iv.Hi()) + " (" + orText(t.CapacityReason, "failed") + ")"
		tv.BrokeWhy = t.CapacityReason
	}
}

// searchHeadline is the headline of a run made of capacity searches only
// (no load levels to compare): the highest capacity found ("" when no
// target was searched). The sizing answers follow in their own section.
func searchHeadline(v Verdict) string {
	searched := false
	for _, t := range v.Targets {
		searched = searched || t.Searched
	}
	if !searched {
		return ""
	}
	return "Capacity search:" + capacitySentence(v) + " See Instances needed for the answer per sweep, and the warnings."
}

// capacityText is "48 req/s [48, 52] (search)", or "≥ 400 req/s" when
// the search found only a lower bound.
func capacityText(t *results.Target) string {
	iv := t.CapacityInterval
	switch {
	case t.CapacityRate <= 0 && iv != nil && iv.Hi() > 0:
		return "none (below " + Rate(iv.Hi()) + ")"
	case t.CapacityRate <= 0:
		return "none"
	case t.Search != nil && t.Search.LowerBound:
		return "≥ " + Rate(t.CapacityRate) + " (" + t.Search.Stop + ")"
	case iv != nil && iv.Hi() > 0:
		return fmt.Sprintf("%s [%s, %s]", Rate(t.CapacityRate), Number(iv.Lo()), Number(iv.Hi()))
	}
	return Rate(t.CapacityRate)
}

// searchTable lists every probe of every capacity search, in order.
func searchTable(run *results.Run, _ Verdict) Table {
	tb := Table{
		ID: "search", Title: "Capacity search",
		Note:   "each probe holds one rate; pass = valid and within the SLO, invalid = the generator could not send the rate on time or nothing completed (never a pass); the boundary is confirmed by repeating probes",
		Header: []string{"target", "probe", "offered", "achieved", "p99", "errors", "outcome"}, Text: 2, Left: []string{"outcome"},
	}
	for ti := range run.Targets {
		t := &run.Targets[ti]
		for si := range t.Steps {
			s := &t.Steps[si]
			if !s.Probe {
				continue
			}
			out := s.ProbeOutcome
			if s.ProbeReason != "" {
				out += " (" + s.ProbeReason + ")"
			}
			tb.Rows = append(tb.Rows, TableRow{Cells: []string{oneLine(t.Name), fmt.Sprint(s.Index + 1), Rate(s.OfferedRate), Rate(s.AchievedRate),
				Millis(s.Latency.P99), errorsText(s), out}, Bad: s.ProbeOutcome == "invalid"})
		}
		if t.Search != nil {
			tb.Rows = append(tb.Rows, TableRow{Cells: []string{oneLine(t.Name), "→", "capacity", capacityText(t), "", "", searchEnd(t)}})
		}
	}
	return tb
}

// searchEnd says how a search ended, in words.
func searchEnd(t *results.Target) string {
	s := t.Search
	txt := fmt.Sprintf("%s after %d probes, %.0f s", s.Stop, s.Probes, s.ElapsedS)
	if t.CapacityReason != "" && s.Stop == capacity.StopConverged {
		txt += "; next rate failed on " + t.CapacityReason
	}
	return txt
}

// scalingTable shows each sweep: capacity per size and the USL fit.
func scalingTable(run *results.Run, _ Verdict) Table {
	tb := Table{
		ID: "scaling", Title: "Scaling (Universal Scalability Law)",
		Note:   "X(N) = λN / (1 + σ(N−1) + κN(N−1)) fitted to the capacity of each size; σ = contention, κ = coherency, N* = peak; [..] = 95% bootstrap intervals",
		Header: []string{"target", "capacity per size", "σ", "κ", "λ (req/s)", "R²", "peak N*", "diagnosis"}, Text: 2,
		Left: []string{"diagnosis"},
	}
	for _, s := range run.Scaling {
		sizes := make([]string, len(s.Instances))
		for i, n := range s.Instances {
			sizes[i] = fmt.Sprintf("%d: %s", n, Number(s.CapacityRate[i]))
		}
		row := []string{oneLine(s.Target) + " (" + s.Dimension + ")", strings.Join(sizes, ", "), "—", "—", "—", "—", "—", orText(s.Diagnosis, "no fit")}
		if u := s.USL; u != nil {
			row[2] = fmt.Sprintf("%.3f [%.3f, %.3f]", u.Sigma, u.SigmaCI[0], u.SigmaCI[1])
			row[3] = fmt.Sprintf("%.4f [%.4f, %.4f]", u.Kappa, u.KappaCI[0], u.KappaCI[1])
			row[4] = fmt.Sprintf("%s [%s, %s]", Number(u.Lambda), Number(u.LambdaCI[0]), Number(u.LambdaCI[1]))
			row[5] = fmt.Sprintf("%.3f", u.R2)
			row[6] = "none"
			if s.PeakInstances > 0 {
				row[6] = fmt.Sprintf("%.1f %s (%s req/s)", s.PeakInstances, peakCI(s.PeakInstancesCI), Number(s.PeakRate))
			}
		}
		tb.Rows = append(tb.Rows, TableRow{Cells: row, Bad: len(s.Skipped) > 0})
	}
	return tb
}

// sizingTable gives the answer to "how many instances for R req/s".
func sizingTable(run *results.Run, _ Verdict) Table {
	tb := Table{
		ID: "sizing", Title: "Instances needed",
		Note:   "from the USL fit; the interval is over the bootstrap; an instance count outside the measured sizes is an extrapolation",
		Header: []string{"target", "rate", "instances", "measured", "answer"}, Text: 1, Left: []string{"answer"},
	}
	for _, s := range run.Scaling {
		z := s.Sizing
		if z == nil {
			continue
		}
		n, measured := "none", "—"
		if z.Instances > 0 {
			hi := "∞"
			if z.InstancesCI[1] > 0 {
				hi = fmt.Sprint(z.InstancesCI[1])
			}
			n = fmt.Sprintf("%d [%d, %s]", z.Instances, z.InstancesCI[0], hi)
		}
		if z.Measured > 0 {
			measured = fmt.Sprint(z.Measured)
		}
		tb.Rows = append(tb.Rows, TableRow{Cells: []string{oneLine(s.Target), Rate(z.TargetRate), n, measured, z.Answer}, Bad: z.Extrapolated || z.Instances == 0})
	}
	return tb
}

// scalingWarnings are the sweeps' findings, shown with every warning.
func scalingWarnings(run *results.Run) []Warning {
	var out []Warning
	for _, s := range run.Scaling {
		for _, w := range s.Warnings {
			out = append(out, Warning{Target: s.Target, Step: -1, Text: w})
		}
		if s.Sizing != nil {
			for _, w := range s.Sizing.Warnings {
				out = append(out, Warning{Target: s.Target, Step: -1, Text: w})
			}
		}
	}
	return out
}

// scalingCharts returns one chart per sweep with a fit.
func scalingCharts(runs []*results.Run) []chartSpec {
	var out []chartSpec
	for _, r := range runs {
		for _, s := range r.Scaling {
			if s.USL == nil {
				continue
			}
			s, rate := s, 0.0
			if s.Sizing != nil {
				rate = s.Sizing.TargetRate
			}
			out = append(out, chartSpec{
				"scaling-" + slug(s.Target) + ".png", "Scaling: " + s.Target,
				"Capacity of each size (dots, with the capacity search's interval), the fitted USL curve with its 95% bootstrap band, the ideal linear line (λN) and the target rate (dashed).",
				func() *plot.Plot { return scalingPlot(s, rate) },
			})
		}
	}
	return out
}

// scalingPlot draws one sweep.
func scalingPlot(s results.Scaling, rate float64) *plot.Plot {
	p := newPlot("Scaling: "+s.Target, s.Dimension, "capacity under the SLO (req/s)")
	f, err := capacity.FitUSL(capacity.Points(s))
	if err != nil {
		return p
	}
	top := float64(s.Instances[len(s.Instances)-1])
	if s.Sizing != nil && s.Sizing.Instances > 0 {
		top = math.Max(top, float64(s.Sizing.Instances))
	}
	if s.PeakInstances > 0 {
		top = math.Max(top, math.Min(s.PeakInstances*1.3, 4*top))
	}
	top = math.Ceil(top + 0.5)
	var curve, lo, hi, ideal plotter.XYs
	for x := 1.0; x <= top+1e-9; x += top / 80 {
		curve = append(curve, plotter.XY{X: x, Y: f.X(x)})
		l, h := f.Band(x)
		lo, hi = append(lo, plotter.XY{X: x, Y: l}), append(hi, plotter.XY{X: x, Y: h})
		ideal = append(ideal, plotter.XY{X: x, Y: f.Lambda * x})
	}
	blue := color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	addLine := func(xys plotter.XYs, c color.Color, w float64, dashes []vg.Length, label string) {
		l, err := plotter.NewLine(xys)
		if err != nil {
			return
		}
		l.Color, l.Width, l.Dashes = c, vg.Points(w), dashes
		p.Add(l)
		if label != "" {
			p.Legend.Add(label, l)
		}
	}
	band := lighten(blue, 0.6)
	addLine(lo, band, 1, nil, "95% band")
	addLine(hi, band, 1, nil, "")
	addLine(ideal, color.Gray{Y: 0x99}, 1.5, []vg.Length{vg.Points(4), vg.Points(4)}, "linear (λN)")
	addLine(curve, blue, 2.5, nil, "USL fit")
	if rate > 0 {
		addLine(plotter.XYs{{X: 1, Y: rate}, {X: top, Y: rate}}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, 1.5, []vg.Length{vg.Points(6), vg.Points(3)}, "target "+Rate(rate))
	}
	measuredPoints(p, s)
	p.X.Min, p.Y.Min, p.X.Max = 0, 0, top
	var ticks []plot.Tick
	step := math.Max(1, math.Ceil(top/12))
	for n := 0.0; n <= top; n += step {
		ticks = append(ticks, plot.Tick{Value: n, Label: fmt.Sprintf("%.0f", n)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	return p
}

// measuredPoints draws each size's capacity with its search interval.
func measuredPoints(p *plot.Plot, s results.Scaling) {
	var pts plotter.XYs
	for i, n := range s.Instances {
		pts = append(pts, plotter.XY{X: float64(n), Y: s.CapacityRate[i]})
		if i < len(s.CapacityInterval) && s.CapacityInterval[i].Hi() > s.CapacityInterval[i].Lo() {
			iv := s.CapacityInterval[i]
			if l, err := plotter.NewLine(plotter.XYs{{X: float64(n), Y: iv.Lo()}, {X: float64(n), Y: iv.Hi()}}); err == nil {
				l.Width = vg.Points(2)
				p.Add(l)
			}
		}
	}
	if sc, err := plotter.NewScatter(pts); err == nil {
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add("measured capacity", sc)
	}
}

// peakCI formats N*'s interval; an upper bound of 0 means unbounded.
func peakCI(iv *results.Interval) string {
	if iv == nil {
		return ""
	}
	if iv.Hi() <= 0 {
		return fmt.Sprintf("[%.1f, ∞)", iv.Lo())
	}
	return fmt.Sprintf("[%.1f, %.1f]", iv.Lo(), iv.Hi())
}

// byLoad returns the series with a capacity search's probes in order of
// load, so that a vs-load chart draws a curve rather than the search's
// path (other targets are left as they are; the over-time charts keep the
// order run).
func byLoad(ss []series) []series {
	out := make([]series, len(ss))
	for i, s := range ss {
		out[i] = s
		if s.Target.Search == nil {
			continue
		}
		t := *s.Target
		t.Steps = append([]results.Step(nil), t.Steps...)
		sort.SliceStable(t.Steps, func(a, b int) bool { return stepLoad(&t.Steps[a]) < stepLoad(&t.Steps[b]) })
		out[i].Target = &t
	}
	return out
}
