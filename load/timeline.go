package load

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// maxPoints bounds a step's timeline. When a step reaches it, neighbouring
// points are merged in pairs and the interval doubles, so a step of any
// length keeps at most maxPoints points (an hour at one point per second).
const maxPoints = 3600

// timeline builds a step's per-interval points by completion time. Only the
// current interval has a live histogram; it is reset and reused when the
// interval closes, so memory does not grow with the step's length.
type timeline struct {
	max      int
	interval time.Duration
	points   []point
	cur      point // the open interval; its index is len(points)
	hist     *hdrhistogram.Histogram
	secs     sections
	// keep stores each interval's histogram in its point (for agents,
	// whose timelines are merged exactly; see timeline_hist.go).
	keep bool
}

// point is a results.Point under construction.
type point struct {
	requests, errors uint64
	p50, p99, max    float64 // ms
	cpuSum           float64 // cores, summed over cpuN samples
	cpuN             int
	rss              uint64
	kinds            map[string]uint64 // nil until an error happens
	hist             string            // encoded histogram of the interval (keep only)
}

func newTimeline(max int) *timeline {
	if max < 2 {
		max = 2
	}
	return &timeline{max: max &^ 1, interval: time.Second, hist: newHistogram()}
}

// advance closes intervals until the one holding at (time since the step
// began) is open.
func (t *timeline) advance(at time.Duration) {
	for at >= time.Duration(len(t.points)+1)*t.interval {
		t.flush()
	}
}

// flush closes the current interval.
func (t *timeline) flush() {
	t.secs.add(time.Duration(len(t.points))*t.interval, t.interval, t.cur.requests, t.cur.errors, t.hist)
	if t.cur.requests > 0 {
		t.cur.p50 = usToMs(t.hist.ValueAtQuantile(50))
		t.cur.p99 = usToMs(t.hist.ValueAtQuantile(99))
		t.cur.max = usToMs(t.hist.Max())
		if t.keep {
			t.cur.hist = encodeOrEmpty(t.hist)
		}
		t.hist.Reset()
	}
	t.points = append(t.points, t.cur)
	t.cur = point{}
	if len(t.points) >= t.max {
		t.halve()
	}
}

// halve merges points in pairs and doubles the interval. It runs when the
// point count reaches the (even) cap, so the open interval starts exactly
// on a boundary of the doubled grid.
func (t *timeline) halve() {
	n := len(t.points) / 2
	for i := 0; i < n; i++ {
		t.points[i] = mergePoints(t.points[2*i], t.points[2*i+1])
	}
	t.points = t.points[:n]
	t.interval *= 2
}

// mergePoints combines two neighbouring intervals. p50 becomes the
// request-weighted mean of the two and p99 the larger one (an upper bound):
// percentiles cannot be merged exactly without the histograms.
func mergePoints(a, b point) point {
	m := point{
		requests: a.requests + b.requests,
		errors:   a.errors + b.errors,
		p99:      max(a.p99, b.p99),
		max:      max(a.max, b.max),
		cpuSum:   a.cpuSum + b.cpuSum,
		cpuN:     a.cpuN + b.cpuN,
		rss:      max(a.rss, b.rss),
		kinds:    stats.AddCountMap(stats.AddCountMap(nil, a.kinds), b.kinds),
	}
	if m.requests > 0 {
		m.p50 = (a.p50*float64(a.requests) + b.p50*float64(b.requests)) / float64(m.requests)
	}
	if a.hist != "" || b.hist != "" {
		mergeKept(&m, a.hist, b.hist)
	}
	return m
}

// record adds one completed request; at is its completion time since the
// step began, us its latency in microseconds. A result that completes in an
// interval already closed (results arrive very slightly out of order) is
// counted in the open one.
func (t *timeline) record(at time.Duration, us int64, kind string) {
	t.advance(at)
	t.cur.requests++
	if kind != "" {
		t.cur.errors++
		if t.cur.kinds == nil {
			t.cur.kinds = map[string]uint64{}
		}
		t.cur.kinds[kind]++
	}
	recordClamped(t.hist, us)
}

// resources attaches a target sample taken for the interval holding at.
func (t *timeline) resources(at time.Duration, cores float64, rss uint64) {
	t.advance(at)
	i := int(at / t.interval)
	p := &t.cur
	if i < len(t.points) {
		p = &t.points[i]
	}
	if cores >= 0 {
		p.cpuSum += cores
		p.cpuN++
	}
	p.rss = max(p.rss, rss)
}

// result closes the open interval if it holds anything and returns the
// points. Call it once, at the end of the step.
func (t *timeline) result() []results.Point {
	if t.cur.requests > 0 || t.cur.cpuN > 0 || t.cur.rss > 0 {
		t.flush()
	}
	pts := t.points
	out := make([]results.Point, len(pts))
	for i, p := range pts {
		out[i] = results.Point{
			T:            (time.Duration(i) * t.interval).Seconds(),
			Requests:     p.requests,
			Errors:       p.errors,
			P50:          p.p50,
			P99:          p.p99,
			Max:          p.max,
			CPU:          -1,
			RSSBytes:     p.rss,
			ErrorsByKind: p.kinds,
			Histogram:    p.hist,
		}
		if p.cpuN > 0 {
			out[i].CPU = p.cpuSum / float64(p.cpuN)
		}
	}
	return out
}
