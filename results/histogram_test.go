package results

import (
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Percentiles never exceed the exact maximum nor fall below the minimum,
// and are in order.
func TestLatencyOfIsMonotone(t *testing.T) {
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	for _, us := range []int64{72_334, 1_000, 2_000, 72_334, 5_000} {
		_ = h.RecordValue(us)
	}
	var e Exact
	for _, us := range []int64{72_334, 1_000, 2_000, 72_334, 5_000} {
		e.Add(us)
	}
	l := LatencyOf(h, &e)
	seq := []float64{l.Min, l.P50, l.P90, l.P99, l.P999, l.P9999, l.Max}
	for i := 1; i < len(seq); i++ {
		if seq[i] < seq[i-1] {
			t.Fatalf("LatencyOf() = %+v, not monotone at %d", l, i)
		}
	}
	if l.P9999 != 72.334 || l.Max != 72.334 {
		t.Errorf("LatencyOf() p99.99 %v, max %v; want both 72.334 (bucket top clamped to the exact max)", l.P9999, l.Max)
	}
}

func TestHistogramRoundTrip(t *testing.T) {
	h := hdrhistogram.New(1, 3_600_000_000, 3)
	_ = h.RecordValue(1234)
	s, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeHistogram(s)
	if err != nil || got.TotalCount() != 1 || got.Max() != h.Max() {
		t.Errorf("DecodeHistogram(EncodeHistogram(h)) = %v, %v; want one value of %d", got, err, h.Max())
	}
}
