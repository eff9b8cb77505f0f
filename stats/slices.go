package stats

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// MaxSlices bounds the time slices a step keeps for its intervals: when
// reached, neighbours are merged in pairs, so memory stays bounded however
// long the step (about 25 KiB per slice at SliceDigits).
const MaxSlices = 64

// SliceDigits is the precision of a slice's latency histogram: 1% is far
// finer than any interval it feeds.
const SliceDigits = 2

// Slices accumulates a step's time slices (results.Section) as a
// generator closes them, for Figures; every generator (HTTP, flows,
// WebSocket) keeps its slices here.
type Slices struct {
	list []results.Section
}

// Add appends one closed slice. Its latency histogram, when h is not nil
// or empty, is copied at SliceDigits, so the caller may reset h.
func (s *Slices) Add(sec results.Section, h *hdrhistogram.Histogram) {
	if h != nil && h.TotalCount() > 0 {
		sec.Latency = hdrhistogram.New(h.LowestTrackableValue(), h.HighestTrackableValue(), SliceDigits)
		sec.Latency.Merge(h)
	}
	s.list = append(s.list, sec)
	if len(s.list) >= MaxSlices {
		s.halve()
	}
}

// List is the slices so far, oldest first; the caller owns them.
func (s *Slices) List() []results.Section { return s.list }

func (s *Slices) halve() {
	n := len(s.list) / 2
	for i := 0; i < n; i++ {
		s.list[i] = mergeSlices(s.list[2*i], s.list[2*i+1])
	}
	if len(s.list)%2 == 1 {
		s.list[n] = s.list[len(s.list)-1]
		n++
	}
	s.list = s.list[:n]
}

func mergeSlices(a, b results.Section) results.Section {
	m := results.Section{Trial: a.Trial, StartS: a.StartS, Seconds: a.Seconds + b.Seconds,
		Requests: a.Requests + b.Requests, Errors: a.Errors + b.Errors, Successes: a.Successes + b.Successes,
		CPUSeconds: a.CPUSeconds + b.CPUSeconds, CPUKnown: a.CPUKnown && b.CPUKnown}
	switch {
	case a.Latency == nil:
		m.Latency = b.Latency
	case b.Latency != nil:
		a.Latency.Merge(b.Latency)
		m.Latency = a.Latency
	default:
		m.Latency = a.Latency
	}
	return m
}
