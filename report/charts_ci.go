package report

import (
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/scalebench/scalebench/results"
)

// errorBars are a series' 95% intervals drawn as vertical bars.
type errorBars struct {
	plotter.XYs
	plotter.YErrors
}

// barsOf turns points and their intervals into error bars in the
// series' colour, or nil when there is none to draw.
func barsOf(pts plotter.XYs, ivs []results.Interval, s series) *plotter.YErrorBars {
	if len(pts) == 0 {
		return nil
	}
	e := errorBars{XYs: pts}
	for i, p := range pts {
		lo, hi := positive(ivs[i][0]), positive(ivs[i][1])
		e.YErrors = append(e.YErrors, struct{ Low, High float64 }{Low: max(p.Y-lo, 0), High: max(hi-p.Y, 0)})
	}
	b, err := plotter.NewYErrorBars(e)
	if err != nil {
		return nil
	}
	b.Color = s.Color
	b.Width = vg.Points(1.2)
	b.CapWidth = vg.Points(6)
	return b
}

// p99Bars are the p99 intervals of a series' steps that have one.
func p99Bars(s series) *plotter.YErrorBars {
	var pts plotter.XYs
	var ivs []results.Interval
	for _, st := range s.Target.Steps {
		x := stepLoad(&st)
		if st.LatencyCI == nil || slices.Contains(st.CINotEnoughData, "p99") || !plottable(x) || !plottable(st.Latency.P99) ||
			!plottable(st.LatencyCI.P99[0]) || !plottable(st.LatencyCI.P99[1]) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: positive(st.Latency.P99)})
		ivs = append(ivs, st.LatencyCI.P99)
	}
	return barsOf(pts, ivs, s)
}

// throughputBars are the throughput intervals of a series' steps.
func throughputBars(s series) *plotter.YErrorBars {
	var pts plotter.XYs
	var ivs []results.Interval
	for _, st := range s.Target.Steps {
		x := stepLoad(&st)
		if st.ThroughputCI == nil || !plottable(x) || !plottable(st.Throughput) || !plottable(st.ThroughputCI[0]) || !plottable(st.ThroughputCI[1]) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: st.Throughput})
		ivs = append(ivs, *st.ThroughputCI)
	}
	return barsOf(pts, ivs, s)
}
