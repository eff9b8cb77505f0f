package wsload

import (
	"sync"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// Histogram geometry, as in package load: microseconds, 1 µs to 1 h, 3
// significant digits, so histograms merge with the HTTP ones.
const (
	histLowest  = 1
	histHighest = 3_600_000_000
	histDigits  = 3
	// shards spreads receivers over this many locks and histograms per
	// step, so 5,000 readers do not queue on one mutex.
	shards = 16
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

func record(h *hdrhistogram.Histogram, s *results.Exact, us int64) {
	us = min(max(us, 0), histHighest)
	_ = h.RecordValue(us) // in range
	s.Add(us)
}

// recvShard is one lock's share of a step's receive accounting.
type recvShard struct {
	mu                                                 sync.Mutex
	received, delivered, duplicates, unexpected, order uint64
	hist                                               *hdrhistogram.Histogram
	sum                                                results.Exact
	// sec holds the fan-out latencies of the current second, drained
	// into the step's slices (its interval) once a second.
	sec *hdrhistogram.Histogram
}

// recordDelivery records one delivery's fan-out latency (µs); the caller
// holds sh.mu.
func (sh *recvShard) recordDelivery(us int64) {
	record(sh.hist, &sh.sum, us)
	if sh.sec == nil {
		sh.sec = hdrhistogram.New(histLowest, histHighest, stats.SliceDigits)
	}
	_ = sh.sec.RecordValue(min(max(us, 0), histHighest)) // in range
}

// seqWindow tracks which of the last 64 sequence numbers of one sender a
// receiver has seen.
type seqWindow struct {
	max  uint64 // highest sequence seen (0: none)
	bits uint64 // bit d set: max-d seen
}

// verdicts of seqWindow.see
const (
	seqNew = iota
	seqLate
	seqDuplicate
)

// see records seq and says whether it is new, new but late (after a higher
// one: out of order), or a copy already seen. A sequence more than 64
// behind the highest cannot be told from a copy; it counts as late.
func (w *seqWindow) see(seq uint64) int {
	if seq > w.max {
		shift := seq - w.max
		if shift >= 64 {
			w.bits = 0
		} else {
			w.bits <<= shift
		}
		w.bits |= 1
		w.max = seq
		return seqNew
	}
	d := w.max - seq
	if d >= 64 {
		return seqLate
	}
	if w.bits&(1<<d) != 0 {
		return seqDuplicate
	}
	w.bits |= 1 << d
	return seqLate
}
