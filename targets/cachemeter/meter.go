package cachemeter

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// Response headers (see the package documentation).
const (
	HeaderCache  = "X-Scalebench-Cache"
	HeaderDBCall = "X-Scalebench-DB-Call"
	HeaderDBWait = "X-Scalebench-DB-Wait-Us"
)

// Values of HeaderCache.
const (
	Hit    = "hit"
	Miss   = "miss"
	Bypass = "bypass"
	Error  = "error"
)

// Meter aggregates the measurement headers of responses on the load
// generator's side, one Meter per step. It is safe for concurrent use and
// its memory does not grow with the number of responses.
type Meter struct {
	mu                              sync.Mutex
	hits, misses, bypass, errs, dbs uint64
	waitSum                         int64
	wait                            *hdrhistogram.Histogram // µs
}

// NewMeter returns an empty Meter.
func NewMeter() *Meter {
	return &Meter{wait: hdrhistogram.New(1, 3_600_000_000, 3)}
}

// Observe adds one response's headers. Responses without HeaderCache
// (another endpoint, or no response at all) are ignored.
func (m *Meter) Observe(h http.Header) {
	c := h.Get(HeaderCache)
	if c == "" {
		return
	}
	wait, _ := strconv.ParseInt(h.Get(HeaderDBWait), 10, 64)
	call := h.Get(HeaderDBCall) == "1"
	m.mu.Lock()
	defer m.mu.Unlock()
	switch c {
	case Hit:
		m.hits++
	case Miss:
		m.misses++
	case Bypass:
		m.bypass++
	default:
		m.errs++
	}
	if call {
		m.dbs++
	}
	if call || wait > 0 {
		m.waitSum += wait
		_ = m.wait.RecordValue(min(max(wait, 0), 3_600_000_000))
	}
}

// Stats returns the step's cache figures; elapsed is the step's duration,
// for DBCallsPerS. The hit ratio is hits / (hits + misses); with no cached
// lookups it is absent.
func (m *Meter) Stats(elapsed time.Duration) results.CacheStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := results.CacheStats{Hits: m.hits, Misses: m.misses, Bypass: m.bypass, Errors: m.errs, DBCalls: m.dbs}
	if n := m.hits + m.misses; n > 0 {
		r := float64(m.hits) / float64(n)
		c.HitRatio = &r
	}
	if elapsed > 0 {
		c.DBCallsPerS = float64(m.dbs) / elapsed.Seconds()
	}
	if n := m.wait.TotalCount(); n > 0 {
		c.DBWaitMs = results.DBWait{Mean: float64(m.waitSum) / float64(n) / 1000,
			P99: float64(m.wait.ValueAtQuantile(99)) / 1000, Max: float64(m.wait.Max()) / 1000}
	}
	return c
}
