package report

import (
	"bytes"
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/scalebench/scalebench/results"
)

// Chart sizes in pixels: every PNG is ChartWidth × ChartHeight.
const (
	ChartWidth  = 1200
	ChartHeight = 700
	chartDPI    = 96
)

// palette holds the series colours, assigned in scenario order (for
// overlays: run by run, target by target), so a target keeps its colour in
// every chart. Tableau 10, readable on white and in greyscale print.
var palette = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, // blue
	{0xf2, 0x8e, 0x2b, 0xff}, // orange
	{0x59, 0xa1, 0x4f, 0xff}, // green
	{0xe1, 0x57, 0x59, 0xff}, // red
	{0xb0, 0x7a, 0xa1, 0xff}, // purple
	{0x76, 0xb7, 0xb2, 0xff}, // teal
	{0xed, 0xc9, 0x48, 0xff}, // yellow
	{0x9c, 0x75, 0x5f, 0xff}, // brown
	{0xff, 0x9d, 0xa7, 0xff}, // pink
	{0xba, 0xb0, 0xac, 0xff}, // grey
}

// series is one target of one run, drawn in one colour.
type series struct {
	Label  string
	Color  color.RGBA
	Dashed bool // a later run of an overlay
	Run    *results.Run
	Target *results.Target
}

// hex is the colour as CSS "#rrggbb".
func (s series) hex() string {
	return fmt.Sprintf("#%02x%02x%02x", s.Color.R, s.Color.G, s.Color.B)
}

// seriesOf lists every target of every run, with its colour. Targets that
// have no steps keep their colour slot so colours do not shift.
func seriesOf(runs []*results.Run) []series {
	var out []series
	n := 0
	labels := runLabels(runs)
	for ri, r := range runs {
		for ti := range r.Targets {
			t := &r.Targets[ti]
			label := t.Name
			if len(runs) > 1 {
				label += " @ " + labels[ri]
			}
			out = append(out, series{Label: label, Color: palette[n%len(palette)], Dashed: ri > 0 && len(runs) > 1, Run: r, Target: t})
			n++
		}
	}
	return out
}

// runLabels names runs for overlays: their ids, or "run N" when ids repeat.
func runLabels(runs []*results.Run) []string {
	seen := map[string]bool{}
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = oneLine(r.ID)
		if out[i] == "" || seen[out[i]] {
			out[i] = "run " + strconv.Itoa(i+1)
		}
		seen[out[i]] = true
	}
	return out
}

// Chart is one rendered chart.
type Chart struct {
	// File is the PNG's path relative to the report folder (charts/x.png).
	File string `json:"file"`
	// Title says what the chart shows.
	Title string `json:"title"`
	// Caption explains how to read it.
	Caption string `json:"caption"`
	// PNG is the encoded image.
	PNG []byte `json:"-"`
}

// chartSpec is a chart to render: its file, title, caption and how to draw it.
type chartSpec struct {
	file, title, caption string
	build                func() *plot.Plot
}

// Charts builds every chart of the runs, in the order the report shows them.
func Charts(runs []*results.Run) ([]Chart, error) {
	ss := seriesOf(runs)
	var measured []series
	for _, s := range ss {
		if len(s.Target.Steps) > 0 {
			measured = append(measured, s)
		}
	}
	unit := loadUnit(runs)
	specs := commonCharts(runs, measured, unit)
	specs = append(specs, topologyCharts(runs, measured, unit)...)
	for i, s := range measured {
		s := s
		specs = append(specs, chartSpec{
			fmt.Sprintf("spectrum-%d-%s.png", i+1, slug(s.Label)),
			"Latency spectrum: " + s.Label,
			"HDR-style percentile spectrum of " + s.Label + " at each step, log scales up to p99.99: where the tail leaves the body of the distribution.",
			func() *plot.Plot { return spectrum(s) },
		})
	}
	specs = append(specs, scalingCharts(runs)...) // capacity.go
	var out []Chart
	for _, sp := range specs {
		p := sp.build()
		png, err := renderPNG(p)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w (check results.json for implausible values)", sp.file, err)
		}
		out = append(out, Chart{File: "charts/" + sp.file, Title: sp.title, Caption: sp.caption, PNG: png})
	}
	return out, nil
}

// commonCharts are the charts of every run: latency and throughput against
// load and over time, errors, CPU, memory and instances.
func commonCharts(runs []*results.Run, measured []series, unit string) []chartSpec {
	return []chartSpec{
		{"latency-vs-load.png", "Latency vs offered load", "p99 (solid), p99.9 (dashed) and p50 (dotted) latency from the intended send time, log scale. The curve that bends up first is the architecture that saturates first (the hockey stick); × marks invalid steps.",
			func() *plot.Plot { return latencyVsLoad(byLoad(measured), runs, unit) }},
		{"throughput-vs-load.png", "Throughput vs offered load", "Successful responses per second against the offered rate; the grey diagonal is a perfect system. Falling below it means the target cannot keep up.",
			func() *plot.Plot { return throughputVsLoad(byLoad(measured), unit) }},
		{"latency-over-time.png", "p99 latency over time", "p99 latency per second, log scale; grey lines mark step boundaries. Latency that grows within a step means a queue is building.",
			func() *plot.Plot {
				return overTime(measured, "p99 latency over time", "latency (ms, log scale)", true, func(p results.Point) (float64, bool) { return p.P99, true })
			}},
		{"throughput-over-time.png", "Throughput over time", "Successful responses per second; grey lines mark step boundaries.",
			func() *plot.Plot {
				return overTime(measured, "Throughput over time", "successful responses (req/s)", false, func(p results.Point) (float64, bool) { return float64(p.Requests - min(p.Errors, p.Requests)), true })
			}},
		{"errors-over-time.png", "Errors over time", "Failed requests per second (timeouts, refused or reset connections, 5xx).",
			func() *plot.Plot {
				return overTime(measured, "Errors over time", "errors (req/s)", false, func(p results.Point) (float64, bool) { return float64(p.Errors), true })
			}},
		{"cpu-over-time.png", "Target CPU over time", "CPU used by all of a target's processes, in cores (1 = one core busy).",
			func() *plot.Plot {
				return overTime(measured, "Target CPU over time", "CPU (cores)", false, func(p results.Point) (float64, bool) { return p.CPU, p.CPU >= 0 })
			}},
		{"rss-over-time.png", "Target memory over time", "Resident memory of all of a target's processes, in MiB.",
			func() *plot.Plot {
				return overTime(measured, "Target memory (RSS) over time", "RSS (MiB)", false, func(p results.Point) (float64, bool) { return float64(p.RSSBytes) / (1 << 20), p.RSSBytes > 0 })
			}},
		{"instances.png", "Requests per instance", "Share of each target's responses served by each instance over the whole run; the dashed line on each bar group is an even share. Uneven bars expose imbalance in a cluster or balancer.",
			func() *plot.Plot { return instances(measured) }},
	}
}

// topologyCharts are the charts only some runs have: scaling, queue and
// database figures.
func topologyCharts(runs []*results.Run, measured []series, unit string) []chartSpec {
	var specs []chartSpec
	if hasScaling(runs) {
		specs = append(specs, chartSpec{"instances-over-time.png", "Instances over time", "Instances behind the balancer second by second, for targets that scaled (autoscale or a scale fault); red dotted lines mark faults.",
			func() *plot.Plot { return instancesOverTime(measured) }})
	}
	if hasQueue(runs) {
		specs = append(specs,
			chartSpec{"queue-depth-over-time.png", "Queue depth over time", "Jobs accepted and not yet completed, sampled about once a second from Redis; grey lines mark step boundaries. A depth that keeps growing within a step means the workers cannot keep up with the accepted rate.",
				func() *plot.Plot { return queueDepth(measured) }},
			chartSpec{"job-latency-vs-load.png", "Job end-to-end latency vs offered load", "Queue targets: job end-to-end latency (accepted → done) p99 solid and p50 dotted, against the API's own p99 dashed, log scale. The API stays fast while the cost moves into the queue.",
				func() *plot.Plot { return jobLatencyVsLoad(measured, unit) }})
	}
	if hasDatabase(runs) {
		specs = append(specs,
			chartSpec{"db-lag-over-time.png", "Replication lag over time", "Each replica's replay lag as its primary sees it (pg_stat_replication.replay_lag), sampled every 250 ms; one colour per target, one line per replica; grey lines mark step boundaries. Reads sent to a replica during a lag spike may miss recent writes.",
				func() *plot.Plot { return replicationLag(measured) }},
			chartSpec{"db-reads-per-node.png", "Reads per database node", "Reads each PostgreSQL node served over the run (pg_stat_user_tables). Read replicas take the reads off the primary; shards split reads and writes by key.",
				func() *plot.Plot { return readsPerNode(measured) }})
	}
	if hasServices(runs) {
		specs = append(specs, chartSpec{"services-time.png", "Where the time goes per service", "Stacked bars, one per target at its limiting step: each service's mean self time (its own work and queueing, callees excluded) per entry request; the tallest segment is the service a request waits on most. Queue hops are left out (the caller does not wait for them).",
			func() *plot.Plot { return serviceTime(measured) }})
	}
	return specs
}

// slug makes a safe file-name part of untrusted text.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

func loadUnit(runs []*results.Run) string {
	for _, r := range runs {
		if r.Model == "closed" {
			return "concurrent clients"
		}
	}
	return "offered load (req/s)"
}

func renderPNG(p *plot.Plot) (png []byte, err error) {
	clampLog(&p.X)
	clampLog(&p.Y)
	// gonum/plot panics on some degenerate inputs; a broken chart must not
	// take the report, or the run that renders it, down with it.
	defer func() {
		if r := recover(); r != nil {
			png, err = nil, fmt.Errorf("chart %q: %v", p.Title.Text, r)
		}
	}()
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)/chartDPI*vg.Inch, vg.Length(ChartHeight)/chartDPI*vg.Inch), vgimg.UseDPI(chartDPI))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// newPlot makes a plot with the report's fonts and sizes.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(15)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(6)
	p.Legend.YOffs = -vg.Points(4)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe4}
	grid.Horizontal.Color = color.Gray{Y: 0xe4}
	p.Add(grid)
	return p
}

func lineOf(xys plotter.XYs, s series, width float64, dashes []vg.Length) *plotter.Line {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil
	}
	l.Color = s.Color
	l.Width = vg.Points(width)
	if dashes == nil && s.Dashed {
		dashes = []vg.Length{vg.Points(8), vg.Points(3)}
	}
	l.Dashes = dashes
	return l
}

// logY sets a logarithmic y axis; values must be clamped positive.
func logY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// clampLog gives a logarithmic axis with no (positive) data a valid range:
// gonum panics on a log scale whose range includes 0, which happens when a
// target has no steps (it failed to start, or the run was interrupted).
func clampLog(a *plot.Axis) {
	if _, ok := a.Scale.(plot.LogScale); !ok {
		return
	}
	if a.Min <= 0 || math.IsInf(a.Min, 0) || math.IsNaN(a.Min) {
		a.Min = 0.1
	}
	if a.Max <= a.Min || math.IsInf(a.Max, 0) || math.IsNaN(a.Max) {
		a.Max = a.Min * 100
	}
}

func positive(v float64) float64 { return math.Max(v, 0.001) }

func latencyVsLoad(ss []series, runs []*results.Run, unit string) *plot.Plot {
	p := newPlot("Latency vs offered load (from intended send time; p50 dotted, p99 solid with 95% interval bars, p99.9 dashed)", unit, "latency (ms, log scale)")
	logY(p)
	var invalid plotter.XYs
	for _, s := range ss {
		var p50, p99, p999 plotter.XYs
		for _, st := range s.Target.Steps {
			x := stepLoad(&st)
			if !plottable(x) || !plottable(st.Latency.P50) || !plottable(st.Latency.P99) || !plottable(st.Latency.P999) {
				continue
			}
			p50 = append(p50, plotter.XY{X: x, Y: positive(st.Latency.P50)})
			p99 = append(p99, plotter.XY{X: x, Y: positive(st.Latency.P99)})
			p999 = append(p999, plotter.XY{X: x, Y: positive(st.Latency.P999)})
			if !st.Valid {
				invalid = append(invalid, plotter.XY{X: x, Y: positive(st.Latency.P99)})
			}
		}
		main := lineOf(p99, s, 2.5, nil)
		p.Add(lineOf(p50, s, 1.2, []vg.Length{vg.Points(1.5), vg.Points(3)}), main, lineOf(p999, s, 1.5, []vg.Length{vg.Points(6), vg.Points(4)}))
		if sc, err := plotter.NewScatter(p99); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: s.Color, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		if b := p99Bars(s); b != nil {
			p.Add(b)
		}
		p.Legend.Add(s.Label, main)
	}
	if len(invalid) > 0 {
		if sc, err := plotter.NewScatter(invalid); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(7), Shape: draw.CrossGlyph{}}
			p.Add(sc)
			p.Legend.Add("invalid step", sc)
		}
	}
	for _, r := range runs[:1] {
		if r.SLO != nil && r.SLO.P99Ms > 0 && plottable(r.SLO.P99Ms) {
			slo := plotter.NewFunction(func(float64) float64 { return r.SLO.P99Ms })
			slo.Color = color.RGBA{0xc0, 0x20, 0x20, 0xff}
			slo.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
			slo.Width = vg.Points(1)
			p.Add(slo)
			p.Legend.Add("SLO p99 "+Millis(r.SLO.P99Ms), slo)
		}
	}
	return p
}

func throughputVsLoad(ss []series, unit string) *plot.Plot {
	p := newPlot("Throughput vs offered load (bars: 95% intervals)", unit, "throughput (successful responses/s)")
	maxX := 0.0
	for _, s := range ss {
		var xys plotter.XYs
		for _, st := range s.Target.Steps {
			x := stepLoad(&st)
			if !plottable(x) || !plottable(st.Throughput) {
				continue
			}
			maxX = max(maxX, x)
			xys = append(xys, plotter.XY{X: x, Y: st.Throughput})
		}
		l := lineOf(xys, s, 2.5, nil)
		p.Add(l)
		if sc, err := plotter.NewScatter(xys); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: s.Color, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		if b := throughputBars(s); b != nil {
			p.Add(b)
		}
		p.Legend.Add(s.Label, l)
	}
	if unit == "offered load (req/s)" && maxX > 0 {
		ideal, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: maxX, Y: maxX}})
		if err == nil {
			ideal.Color = color.Gray{Y: 0x99}
			ideal.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
			p.Add(ideal)
			p.Legend.Add("offered = achieved", ideal)
		}
	}
	p.X.Min, p.Y.Min = 0, 0
	return p
}

// overTime plots a per-second value for every series, on a time axis
// starting at each target's first step, with step boundaries.
func overTime(ss []series, title, ylabel string, log bool, value func(results.Point) (float64, bool)) *plot.Plot {
	p := newPlot(title, "time since the target's first step (s)", ylabel)
	if log {
		logY(p)
	}
	var bounds []float64
	plotted := false
	for i, s := range ss {
		first := s.Target.Steps[0].StartedAt
		var xys plotter.XYs
		for _, st := range s.Target.Steps {
			off := st.StartedAt.Sub(first).Seconds()
			if st.StartedAt.IsZero() || first.IsZero() {
				off = float64(st.Index) * st.DurationS
			}
			if i == 0 {
				bounds = append(bounds, off)
			}
			if !plottable(off) {
				continue
			}
			for _, pt := range st.Timeline {
				v, ok := value(pt)
				if !ok || !plottable(v) || !plottable(pt.T) {
					continue
				}
				if log {
					v = positive(v)
				}
				xys = append(xys, plotter.XY{X: off + pt.T, Y: v})
			}
		}
		if len(xys) == 0 {
			continue
		}
		plotted = true
		l := lineOf(xys, s, 2, nil)
		p.Add(l)
		p.Legend.Add(s.Label, l)
	}
	for _, b := range bounds {
		if b > 0 {
			p.Add(vline{x: b})
		}
	}
	markFaults(p, ss)
	p.X.Min = 0
	if log && !plotted {
		// Nothing to draw (e.g. WebSocket steps have no per-second latency):
		// a log axis over no data cannot be drawn.
		p.Y.Scale, p.Y.Tick.Marker = plot.LinearScale{}, plot.DefaultTicks{}
		log = false
	}
	if !log {
		p.Y.Min = 0
	}
	return p
}

// vline draws a grey vertical line at x (a step boundary).
type vline struct{ x float64 }

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLine2(draw.LineStyle{Color: color.Gray{Y: 0x88}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(3)}},
		x, c.Min.Y, x, c.Max.Y)
}

func instances(ss []series) *plot.Plot {
	p := newPlot("Requests per instance (share of each target's responses)", "instance", "share of the target's responses (%)")
	var names []string
	pos := 0.0
	for _, s := range ss {
		totals := map[string]uint64{}
		var sum uint64
		for _, st := range s.Target.Steps {
			for k, v := range st.Instances {
				totals[k] += v
				sum += v
			}
		}
		if sum == 0 {
			continue
		}
		keys := slices.Sorted(maps.Keys(totals))
		vals := make(plotter.Values, len(keys))
		for i, k := range keys {
			vals[i] = 100 * float64(totals[k]) / float64(sum)
			names = append(names, oneLine(k))
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(40))
		if err != nil {
			continue
		}
		bc.Color = s.Color
		bc.LineStyle.Width = 0
		bc.XMin = pos
		p.Add(bc)
		p.Legend.Add(s.Label, bc)
		even := 100 / float64(len(keys))
		if l, err := plotter.NewLine(plotter.XYs{{X: pos - 0.4, Y: even}, {X: pos + float64(len(keys)) - 0.6, Y: even}}); err == nil {
			l.Color = color.Gray{Y: 0x33}
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
		}
		pos += float64(len(keys))
	}
	if len(names) > 0 {
		p.NominalX(names...)
		p.X.Label.Text = "instance"
	}
	p.Y.Min = 0
	p.Y.Max = 100
	p.Legend.Left = false
	return p
}

// spectrumQuantiles are the x positions of the spectrum: x = -log10(1-q),
// from p0 to p99.99.
func spectrumX() []float64 {
	var xs []float64
	for x := 0.0; x <= 4.0001; x += 0.05 {
		xs = append(xs, x)
	}
	return xs
}

// spectrumTicks labels the spectrum's x axis in percentiles.
type spectrumTicks struct{}

func (spectrumTicks) Ticks(lo, hi float64) []plot.Tick {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%"}
	var ts []plot.Tick
	for i, l := range labels {
		ts = append(ts, plot.Tick{Value: float64(i), Label: l})
	}
	ts = append(ts, plot.Tick{Value: math.Log10(2)})
	ts[len(ts)-1].Label = "50%"
	return ts
}

func spectrum(s series) *plot.Plot {
	p := newPlot("Latency spectrum: "+s.Label, "percentile", "latency (ms, log scale)")
	logY(p)
	p.X.Tick.Marker = spectrumTicks{}
	n := len(s.Target.Steps)
	for i := n - 1; i >= 0; i-- {
		st := &s.Target.Steps[i]
		xys := spectrumPoints(st)
		if len(xys) == 0 {
			continue
		}
		shade := s
		shade.Color = lighten(s.Color, 0.75*float64(n-1-i)/float64(max(n, 1)))
		l := lineOf(xys, shade, 2, nil)
		p.Add(l)
		label := loadLabel(st.Model, stepLoad(st))
		if !st.Valid {
			label += " (invalid)"
		}
		p.Legend.Add(label, l)
	}
	p.X.Min, p.X.Max = 0, 4
	return p
}

// spectrumPoints decodes the step's latency histogram into the spectrum's
// points; without one it falls back to the recorded percentiles.
func spectrumPoints(st *results.Step) plotter.XYs {
	var xys plotter.XYs
	if enc := st.Histograms["latency"]; enc != "" {
		if h, err := hdrhistogram.Decode([]byte(enc)); err == nil && h.TotalCount() > 0 {
			for _, x := range spectrumX() {
				q := 100 * (1 - math.Pow(10, -x))
				xys = append(xys, plotter.XY{X: x, Y: positive(float64(h.ValueAtQuantile(q)) / 1000)})
			}
			return xys
		}
	}
	l := st.Latency
	for _, pt := range []struct{ x, v float64 }{{0, l.Min}, {math.Log10(2), l.P50}, {1, l.P90}, {2, l.P99}, {3, l.P999}, {4, l.P9999}} {
		if pt.v > 0 && plottable(pt.v) {
			xys = append(xys, plotter.XY{X: pt.x, Y: pt.v})
		}
	}
	return xys
}

// lighten mixes c with white by f (0: unchanged, 1: white).
func lighten(c color.RGBA, f float64) color.RGBA {
	mix := func(v uint8) uint8 { return uint8(float64(v) + (255-float64(v))*f) }
	return color.RGBA{mix(c.R), mix(c.G), mix(c.B), 0xff}
}

// hasQueue reports whether any step of the runs has queue figures.
func hasQueue(runs []*results.Run) bool {
	for _, r := range runs {
		for _, t := range r.Targets {
			for _, s := range t.Steps {
				if s.Queue != nil {
					return true
				}
			}
		}
	}
	return false
}

// stepOffset is the step's start in seconds since the target's first step.
func stepOffset(t *results.Target, st *results.Step) float64 {
	first := t.Steps[0].StartedAt
	if st.StartedAt.IsZero() || first.IsZero() {
		return float64(st.Index) * st.DurationS
	}
	return st.StartedAt.Sub(first).Seconds()
}

// queueDepth plots each queue target's depth samples over time.
func queueDepth(ss []series) *plot.Plot {
	p := newPlot("Queue depth over time (jobs accepted, not completed)", "time since the target's first step (s)", "queue depth (jobs)")
	var bounds []float64
	for _, s := range ss {
		var xys plotter.XYs
		var b []float64
		for i := range s.Target.Steps {
			st := &s.Target.Steps[i]
			off := stepOffset(s.Target, st)
			if st.Queue == nil || !plottable(off) {
				continue
			}
			b = append(b, off)
			for _, d := range st.Queue.Depth {
				if plottable(d.T) && plottable(float64(d.Depth)) {
					xys = append(xys, plotter.XY{X: off + d.T, Y: float64(d.Depth)})
				}
			}
		}
		if len(xys) == 0 {
			continue
		}
		if bounds == nil {
			bounds = b
		}
		l := lineOf(xys, s, 2, nil)
		p.Add(l)
		if sc, err := plotter.NewScatter(xys); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: s.Color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		p.Legend.Add(s.Label, l)
	}
	for _, b := range bounds {
		if b > 0 {
			p.Add(vline{x: b})
		}
	}
	markFaults(p, ss)
	p.X.Min, p.Y.Min = 0, 0
	return p
}

// jobLatencyVsLoad plots job end-to-end latency against load for queue
// targets, beside the API latency.
func jobLatencyVsLoad(ss []series, unit string) *plot.Plot {
	p := newPlot("Job end-to-end latency vs offered load (p50 dotted, p99 solid; API p99 dashed)", unit, "latency (ms, log scale)")
	logY(p)
	for _, s := range ss {
		var e50, e99, api plotter.XYs
		for _, st := range s.Target.Steps {
			x := stepLoad(&st)
			if st.Queue == nil || !plottable(x) || !plottable(st.Queue.E2E.P50) || !plottable(st.Queue.E2E.P99) || !plottable(st.Latency.P99) {
				continue
			}
			e50 = append(e50, plotter.XY{X: x, Y: positive(st.Queue.E2E.P50)})
			e99 = append(e99, plotter.XY{X: x, Y: positive(st.Queue.E2E.P99)})
			api = append(api, plotter.XY{X: x, Y: positive(st.Latency.P99)})
		}
		if len(e99) == 0 {
			continue
		}
		main, apiLine := lineOf(e99, s, 2.5, nil), lineOf(api, s, 1.5, []vg.Length{vg.Points(6), vg.Points(4)})
		p.Add(lineOf(e50, s, 1.2, []vg.Length{vg.Points(1.5), vg.Points(3)}), main, apiLine)
		if sc, err := plotter.NewScatter(e99); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: s.Color, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
		p.Legend.Add(s.Label+" job e2e", main)
		p.Legend.Add(s.Label+" API p99", apiLine)
	}
	return p
}
