package load

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// sections accumulates a step's time slices from the timeline's
// per-second histograms.
type sections struct {
	stats.Slices
}

// add appends one closed second (or interval) of the timeline.
func (s *sections) add(start, length time.Duration, requests, errors uint64, h *hdrhistogram.Histogram) {
	sec := results.Section{StartS: start.Seconds(), Seconds: length.Seconds(),
		Requests: requests, Errors: errors, Successes: requests - errors}
	if requests == 0 {
		h = nil
	}
	s.Add(sec, h)
}

// result returns the slices with the target's CPU attached from the
// timeline's points, the last slice cut at end (the last response, since
// the step began).
func (s *sections) result(pts []results.Point, interval, end time.Duration) []results.Section {
	out := s.List()
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
