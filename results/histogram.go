package results

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Exact tracks a distribution's exact count, sum, minimum and maximum in
// microseconds, beside its histogram (whose values are rounded to bucket
// tops). The zero value is empty and ready to use.
type Exact struct {
	N            uint64
	SumUs        int64
	MinUs, MaxUs int64
}

// Add records one value.
func (e *Exact) Add(us int64) {
	if e.N == 0 || us < e.MinUs {
		e.MinUs = us
	}
	if us > e.MaxUs {
		e.MaxUs = us
	}
	e.N++
	e.SumUs += us
}

// Merge adds everything o recorded.
func (e *Exact) Merge(o Exact) {
	if o.N == 0 {
		return
	}
	if e.N == 0 || o.MinUs < e.MinUs {
		e.MinUs = o.MinUs
	}
	e.MaxUs = max(e.MaxUs, o.MaxUs)
	e.N += o.N
	e.SumUs += o.SumUs
}

// MeanUs is the exact mean (0 when empty).
func (e Exact) MeanUs() float64 {
	if e.N == 0 {
		return 0
	}
	return float64(e.SumUs) / float64(e.N)
}

// LatencyOf summarises h (values in microseconds) in milliseconds. The
// percentiles come from h; min, mean and max come from exact when given,
// else from h. HDR percentiles are the top of their bucket (3 significant
// digits), so the raw p99.9 can exceed the true maximum by a hair; every
// percentile is clamped into [min, max] to keep the summary consistent.
func LatencyOf(h *hdrhistogram.Histogram, exact *Exact) Latency {
	if h == nil || h.TotalCount() == 0 {
		return Latency{}
	}
	minUs, maxUs, meanUs := h.Min(), h.Max(), h.Mean()
	if exact != nil && exact.N > 0 {
		minUs, maxUs, meanUs = exact.MinUs, exact.MaxUs, exact.MeanUs()
	}
	q := func(p float64) float64 {
		return usToMs(min(max(h.ValueAtQuantile(p), minUs), maxUs))
	}
	return Latency{
		Min:   usToMs(minUs),
		Mean:  meanUs / 1000,
		P50:   q(50),
		P90:   q(90),
		P95:   q(95),
		P99:   q(99),
		P999:  q(99.9),
		P9999: q(99.99),
		Max:   usToMs(maxUs),
	}
}

func usToMs(us int64) float64 { return float64(us) / 1000 }

// EncodeHistogram returns h in the form results.json stores it
// (Step.Histograms): base64 of the HDR V2 compressed encoding.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil // Encode already returns base64
}

// DecodeHistogram decodes one entry of Step.Histograms.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}
