package load

import (
	"fmt"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
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

// summary is an exact min/mean/max kept beside a histogram (the histogram's
// own are rounded to its buckets).
type summary struct {
	n        uint64
	sum      int64 // µs
	min, max int64 // µs
}

func (s *summary) add(us int64) {
	if s.n == 0 || us < s.min {
		s.min = us
	}
	if us > s.max {
		s.max = us
	}
	s.n++
	s.sum += us
}

func (s *summary) mean() float64 {
	if s.n == 0 {
		return 0
	}
	return float64(s.sum) / float64(s.n)
}

// latency summarises h (percentiles) and s (min, mean, max) in milliseconds.
func latency(h *hdrhistogram.Histogram, s summary) results.Latency {
	if h.TotalCount() == 0 {
		return results.Latency{}
	}
	return results.Latency{
		Min:   usToMs(max(s.min, 0)),
		Mean:  s.mean() / 1000,
		P50:   usToMs(h.ValueAtQuantile(50)),
		P90:   usToMs(h.ValueAtQuantile(90)),
		P99:   usToMs(h.ValueAtQuantile(99)),
		P999:  usToMs(h.ValueAtQuantile(99.9)),
		P9999: usToMs(h.ValueAtQuantile(99.99)),
		Max:   usToMs(max(s.max, 0)),
	}
}

// encodeHistogram returns h as base64 of the HDR V2 compressed encoding.
func encodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil // Encode already returns base64
}

// DecodeHistogram decodes one entry of results.Step.Histograms (values in
// microseconds).
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}
