package load

import (
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
)

// With keep, every point carries its second's histogram, also across a
// halving of the interval.
func TestTimelineKeepsHistograms(t *testing.T) {
	tl := newTimeline(4)
	tl.keep = true
	for i := 0; i < 50; i++ {
		tl.record(time.Duration(i)*100*time.Millisecond, int64(100+i), "")
	}
	pts := tl.result()
	var total uint64
	for _, p := range pts {
		h, err := results.DecodeHistogram(p.Histogram)
		if err != nil || uint64(h.TotalCount()) != p.Requests {
			t.Fatalf("point %+v: histogram %v", p, err)
		}
		if p.P99 != usToMs(h.ValueAtQuantile(99)) {
			t.Errorf("point at %v: p99 %v, histogram's %v", p.T, p.P99, usToMs(h.ValueAtQuantile(99)))
		}
		total += p.Requests
	}
	if total != 50 {
		t.Errorf("%d requests in the points, want 50", total)
	}
	if plain := newTimeline(4); plain.keep {
		t.Error("histograms kept by default")
	}
}
