package flow

import (
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// maxSlices bounds the time slices of a run (stats.Figures batches them):
// a slice is at least a second, longer for runs over maxSlices seconds.
const maxSlices = 64

// timeSlices accumulates every request of a run by completion time into
// slices of equal length, for the step's 95% intervals.
type timeSlices struct {
	mu     sync.Mutex
	start  time.Time
	length time.Duration
	list   []results.Section
}

func newTimeSlices(start time.Time, planned time.Duration) *timeSlices {
	length := time.Second
	if n := planned / time.Second; n > maxSlices {
		length = (planned + maxSlices - 1) / maxSlices
		length = length.Round(time.Second)
	}
	return &timeSlices{start: start, length: length}
}

// record adds one request that ended at end with latency lat.
func (t *timeSlices) record(end time.Time, lat time.Duration, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := min(max(int(end.Sub(t.start)/t.length), 0), 4*maxSlices)
	for len(t.list) <= i {
		k := len(t.list)
		t.list = append(t.list, results.Section{StartS: (time.Duration(k) * t.length).Seconds(), Seconds: t.length.Seconds(),
			Latency: hdrhistogram.New(1, histHighest, 2)})
	}
	s := &t.list[i]
	s.Requests++
	if failed {
		s.Errors++
	} else {
		s.Successes++
	}
	_ = s.Latency.RecordValue(min(max(lat.Microseconds(), 0), histHighest))
}

// result returns the slices, the last one cut at elapsed.
func (t *timeSlices) result(elapsed time.Duration) []results.Section {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]results.Section(nil), t.list...)
	if n := len(out); n > 0 {
		out[n-1].Seconds = max(min(out[n-1].Seconds, elapsed.Seconds()-out[n-1].StartS), 0.001)
	}
	return out
}
