package load

import (
	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// encodeOrEmpty encodes h for a point; "" when it cannot (the point then
// keeps only its summary, and a merge of it is not exact).
func encodeOrEmpty(h *hdrhistogram.Histogram) string {
	s, err := results.EncodeHistogram(h)
	if err != nil {
		return ""
	}
	return s
}

// mergeKept gives m, the merge of two neighbouring points, the merge of
// their kept histograms, and percentiles from it (exact, where
// mergePoints alone can only approximate).
func mergeKept(m *point, a, b string) {
	h := newHistogram()
	for _, s := range []string{a, b} {
		if s == "" {
			continue
		}
		o, err := results.DecodeHistogram(s)
		if err != nil {
			m.hist = ""
			return
		}
		h.Merge(o)
	}
	m.hist = encodeOrEmpty(h)
	if h.TotalCount() > 0 {
		m.p50 = usToMs(h.ValueAtQuantile(50))
		m.p99 = usToMs(h.ValueAtQuantile(99))
	}
}
