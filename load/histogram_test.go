package load

import (
	"testing"

	"github.com/scalebench/scalebench/results"
)

func TestHistogramRoundTrip(t *testing.T) {
	h := newHistogram()
	for i := int64(1); i <= 10000; i++ {
		recordClamped(h, i*37)
	}
	recordClamped(h, -5)            // clamped to 0
	recordClamped(h, histHighest*2) // clamped to 1 h
	s, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := results.DecodeHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(h) {
		t.Errorf("decoded histogram differs: count %d p99 %d, want count %d p99 %d",
			got.TotalCount(), got.ValueAtQuantile(99), h.TotalCount(), h.ValueAtQuantile(99))
	}
	if got.TotalCount() != 10002 || got.Max() < histHighest*999/1000 {
		t.Errorf("count %d max %d, want 10002 and ≈ %d", got.TotalCount(), got.Max(), int64(histHighest))
	}
}
