package agents

import (
	"fmt"
	"math"
	"sort"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// Merge combines the same step as measured by several agents into one.
// Counts, byte totals, error kinds, instances and request names are summed;
// offered and achieved rates are summed (each agent offered its shard);
// histograms are merged bucket by bucket and the latency summaries taken
// from the merged histograms with exact min, max and mean; the timeline is
// merged per second. Each part becomes an entry of Agents; the merged step
// is valid only when every part is. It is an error when a part's
// histogram is missing, has another geometry, or would drop a value.
func Merge(parts []results.Step, agents []results.AgentStep) (results.Step, error) {
	if len(parts) == 0 {
		return results.Step{}, fmt.Errorf("merge: no steps")
	}
	m := sumCounts(parts)
	m.Histograms = map[string]string{}
	for _, key := range []string{load.HistLatency, load.HistServiceTime, load.HistScheduleLag} {
		h, err := mergeHistograms(parts, key)
		if err != nil {
			return results.Step{}, err
		}
		if h == nil {
			continue
		}
		enc, err := results.EncodeHistogram(h)
		if err != nil {
			return results.Step{}, err
		}
		m.Histograms[key] = enc
		lat := results.LatencyOf(h, exactOf(parts, key))
		switch key {
		case load.HistLatency:
			m.Latency = lat
		case load.HistServiceTime:
			m.ServiceTime = lat
		case load.HistScheduleLag:
			m.ScheduleLag = lat
		}
	}
	m.Timeline, m.Sections = mergeTimelines(parts)
	m.Agents = agents
	return m, nil
}

// sumCounts adds up every additive figure of parts.
func sumCounts(parts []results.Step) results.Step {
	m := results.Step{Index: parts[0].Index, Model: parts[0].Model, StartedAt: parts[0].StartedAt,
		DurationS: parts[0].DurationS, Valid: true}
	little := &results.LittlesLaw{Holds: true}
	for i, p := range parts {
		if p.StartedAt.Before(m.StartedAt) {
			m.StartedAt = p.StartedAt
		}
		m.ElapsedS = max(m.ElapsedS, p.ElapsedS)
		m.OfferedRate += p.OfferedRate
		m.Concurrency += p.Concurrency
		stats.AddCounts(&m, &p)
		m.AchievedRate += p.AchievedRate
		m.Throughput += p.Throughput
		m.Generator.CPUsAvailable += p.Generator.CPUsAvailable
		m.Generator.Workers += p.Generator.Workers
		m.Generator.CPUCores += p.Generator.CPUCores
		if p.LittlesLaw == nil {
			little = nil
		} else if little != nil {
			little.MeasuredConcurrency += p.LittlesLaw.MeasuredConcurrency
			little.PredictedConcurrency += p.LittlesLaw.PredictedConcurrency
			little.Holds = little.Holds && p.LittlesLaw.Holds
		}
		if !p.Valid {
			m.Valid = false
		}
		for _, w := range p.Warnings {
			m.Warnings = append(m.Warnings, fmt.Sprintf("agent %d: %s", i, w))
		}
	}
	m.OfferedRate = round3(m.OfferedRate)
	m.AchievedRate = round3(m.AchievedRate)
	m.Throughput = round3(m.Throughput)
	m.Generator.CPUCores = round3(m.Generator.CPUCores)
	if m.Requests > 0 {
		m.ErrorRate = float64(m.Errors) / float64(m.Requests)
	}
	m.LittlesLaw = little
	return m
}

// mergeHistograms merges the parts' histograms under key; nil when no
// part has one. A part with requests but no such histogram is an error
// unless no part has it (schedule lag is absent in the closed model).
func mergeHistograms(parts []results.Step, key string) (*hdrhistogram.Histogram, error) {
	var out *hdrhistogram.Histogram
	missing := -1
	for i, p := range parts {
		enc, ok := p.Histograms[key]
		if !ok {
			if p.Requests > 0 {
				missing = i
			}
			continue
		}
		h, err := results.DecodeHistogram(enc)
		if err != nil {
			return nil, fmt.Errorf("merge: agent %d: %s: %w", i, key, err)
		}
		if !load.SameGeometry(h) {
			return nil, fmt.Errorf("merge: agent %d: %s histogram has geometry %d..%d at %d digits, not the generator's",
				i, key, h.LowestTrackableValue(), h.HighestTrackableValue(), h.SignificantFigures())
		}
		if out == nil {
			out = load.NewHistogram()
		}
		if dropped := out.Merge(h); dropped != 0 {
			return nil, fmt.Errorf("merge: agent %d: %s: %d values would be dropped", i, key, dropped)
		}
	}
	if out != nil && missing >= 0 {
		return nil, fmt.Errorf("merge: agent %d sent requests but no %s histogram", missing, key)
	}
	return out, nil
}

// exactOf rebuilds each part's exact count, sum, min and max (in µs) of
// the distribution under key from its summary and merges them.
func exactOf(parts []results.Step, key string) *results.Exact {
	var e results.Exact
	for _, p := range parts {
		enc, ok := p.Histograms[key]
		if !ok {
			continue
		}
		h, err := results.DecodeHistogram(enc)
		if err != nil || h.TotalCount() == 0 {
			continue
		}
		l := summaryOf(p, key)
		n := uint64(h.TotalCount())
		e.Merge(results.Exact{N: n, SumUs: int64(math.Round(l.Mean * 1000 * float64(n))),
			MinUs: int64(math.Round(l.Min * 1000)), MaxUs: int64(math.Round(l.Max * 1000))})
	}
	return &e
}

func summaryOf(p results.Step, key string) results.Latency {
	switch key {
	case load.HistServiceTime:
		return p.ServiceTime
	case load.HistScheduleLag:
		return p.ScheduleLag
	default:
		return p.Latency
	}
}

// mergeTimelines merges the parts' per-second points by their time:
// counts are summed, and a second's p50, p99 and max come from the merge
// of the agents' histograms of that second (exact). A point without a
// histogram (an agent that could not encode one) makes that second's p50
// the request-weighted mean and p99 the largest p99, an upper bound. The
// merged points do not keep the histograms; the exact seconds become the
// step's sections, which its 95% intervals are computed from (stats.Figures).
func mergeTimelines(parts []results.Step) ([]results.Point, []results.Section) {
	byT := map[float64][]results.Point{}
	for _, p := range parts {
		for _, pt := range p.Timeline {
			byT[pt.T] = append(byT[pt.T], pt)
		}
	}
	out := make([]results.Point, 0, len(byT))
	var secs []results.Section
	for t, pts := range byT {
		m := results.Point{T: t, CPU: -1} // target CPU is sampled per step, not per second
		h := load.NewHistogram()
		exact := true
		for _, pt := range pts {
			if n := m.Requests + pt.Requests; n > 0 {
				m.P50 = (m.P50*float64(m.Requests) + pt.P50*float64(pt.Requests)) / float64(n)
			}
			m.Requests += pt.Requests
			m.Errors += pt.Errors
			m.P99 = max(m.P99, pt.P99)
			m.Max = max(m.Max, pt.Max)
			exact = exact && addPoint(h, pt)
		}
		if exact && h.TotalCount() > 0 {
			m.P50 = float64(h.ValueAtQuantile(50)) / 1000
			m.P99 = float64(h.ValueAtQuantile(99)) / 1000
			secs = append(secs, results.Section{StartS: t, Seconds: 1, Requests: m.Requests, Errors: m.Errors, Successes: m.Requests - m.Errors, Latency: h})
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].T < out[j].T })
	sort.Slice(secs, func(i, j int) bool { return secs[i].StartS < secs[j].StartS })
	return out, secs
}

// addPoint merges pt's histogram into h; false when it has none (while
// holding requests) or it cannot be merged without loss.
func addPoint(h *hdrhistogram.Histogram, pt results.Point) bool {
	if pt.Histogram == "" {
		return pt.Requests == 0
	}
	o, err := results.DecodeHistogram(pt.Histogram)
	if err != nil || !load.SameGeometry(o) {
		return false
	}
	return h.Merge(o) == 0
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
