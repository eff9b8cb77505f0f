package load

import hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

// NewHistogram returns an empty histogram of the one geometry every step
// histogram has (microseconds, 1 µs to 1 h, 3 significant digits), for
// code that merges steps' histograms.
func NewHistogram() *hdrhistogram.Histogram { return newHistogram() }

// SameGeometry reports whether h has that geometry, so that merging it
// into a NewHistogram neither drops nor re-buckets any value.
func SameGeometry(h *hdrhistogram.Histogram) bool {
	return h.LowestTrackableValue() == histLowest && h.HighestTrackableValue() == histHighest &&
		h.SignificantFigures() == histDigits
}
