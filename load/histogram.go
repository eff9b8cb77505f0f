package load

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: microseconds, 1 µs to 1 h, 3 significant digits.
const (
	histLowest  = 1
	histHighest = 3_600_000_000
	histDigits  = 3
)

// Keys of results.Step.Histograms.
const (
	HistLatency     = "latency"
	HistServiceTime = "service_time"
	HistScheduleLag = "schedule_lag"
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// recordClamped records us, clamped into the histogram's range (a negative
// schedule lag of a few hundred nanoseconds is recorded as 0).
func recordClamped(h *hdrhistogram.Histogram, us int64) {
	switch {
	case us < 0:
		us = 0
	case us > histHighest:
		us = histHighest
	}
	_ = h.RecordValue(us) // cannot fail: us is in range
}

func usToMs(us int64) float64 { return float64(us) / 1000 }
