package load

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// maxSections bounds the time slices a step keeps for its intervals
// (stats.Figures): when reached, neighbours are merged in pairs, so memory
// stays bounded however long the step (about 25 KiB per slice).
const maxSections = 64

// sectionDigits is the precision of a slice's histogram: 1% is far finer
// than any interval it feeds.
const sectionDigits = 2

// sections accumulates a step's time slices from the timeline's
// per-second histograms.
type sections struct {
	list []results.Section
}

// add appends one closed second (or interval) of the timeline.
func (s *sections) add(start, length time.Duration, requests, errors uint64, h *hdrhistogram.Histogram) {
	sec := results.Section{StartS: start.Seconds(), Seconds: length.Seconds(),
		Requests: requests, Errors: errors, Successes: requests - errors}
	if requests > 0 {
		sec.Latency = hdrhistogram.New(histLowest, histHighest, sectionDigits)
		sec.Latency.Merge(h)
	}
	s.list = append(s.list, sec)
	if len(s.list) >= maxSections {
		s.halve()
	}
}

func (s *sections) halve() {
	n := len(s.list) / 2
	for i := 0; i < n; i++ {
		s.list[i] = mergeSections(s.list[2*i], s.list[2*i+1])
	}
	if len(s.list)%2 == 1 {
		s.list[n] = s.list[len(s.list)-1]
		n++
	}
	s.list = s.list[:n]
}

func mergeSections(a, b results.Section) results.Section {
	m := results.Section{StartS: a.StartS, Seconds: a.Seconds + b.Seconds,
		Requests: a.Requests + b.Requests, Errors: a.Errors + b.Errors, Successes: a.Successes + b.Successes}
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

// result returns the slices with the target's CPU attached from the
// timeline's points, the last slice cut at end (the last response, since
// the step began).
func (s *sections) result(pts []results.Point, interval, end time.Duration) []results.Section {
	out := s.list
	if n := len(out); n > 0 && end > 0 {
		last := &out[n-1]
		last.Seconds = max(min(last.Seconds, end.Seconds()-last.StartS), 0.001)
	}
	for i := range out {
		sec := &out[i]
		seen, known := 0, 0
		for j, p := range pts {
			at := (time.Duration(j) * interval).Seconds()
			if at < sec.StartS || at >= sec.StartS+sec.Seconds {
				continue
			}
			seen++
			if p.CPU >= 0 {
				known++
				sec.CPUSeconds += p.CPU * min(interval.Seconds(), sec.Seconds)
			}
		}
		// A slice with an unsampled second would count its requests
		// without their CPU: it is left out of CPU per request.
		sec.CPUKnown = seen > 0 && known == seen
	}
	return out
}
