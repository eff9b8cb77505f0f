package dbmeter

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Response headers set by the reference app's database endpoints.
const (
	// HeaderOp is OpRead, OpWrite or OpScan.
	HeaderOp = "X-Scalebench-DB-Op"
	// HeaderNode names the node(s) that answered: "primary",
	// "replica-1", "shard-2", "cache"; a fan-out lists every shard,
	// comma-separated.
	HeaderNode = "X-Scalebench-DB-Node"
	// HeaderKey is the user id read or written.
	HeaderKey = "X-Scalebench-DB-Key"
	// HeaderVersion is the row version read, or written by a write.
	HeaderVersion = "X-Scalebench-DB-Version"
	// HeaderReadAt is when the read began, Unix nanoseconds.
	HeaderReadAt = "X-Scalebench-DB-Read-At"
	// HeaderWait is the time spent waiting for a pooled connection, µs.
	HeaderWait = "X-Scalebench-DB-Wait-Us"
)

// Values of HeaderOp.
const (
	OpRead  = "read"
	OpWrite = "write"
	OpScan  = "scan"
)

// Keys of results.Step.Extra filled by Meter.Extra.
const (
	ExtraReads          = "db_reads"
	ExtraWrites         = "db_writes"
	ExtraScans          = "db_scans"
	ExtraPoolWaitP99    = "db_pool_wait_ms_p99"
	ExtraStaleReads     = "db_stale_reads"
	ExtraReadsAfterAck  = "db_reads_after_write"
	ExtraStaleReadRatio = "db_stale_read_ratio"
)

// ack is the newest acknowledged write of one key.
type ack struct {
	version int64
	at      int64 // Unix ns
}

// Tracker remembers acknowledged writes across a target's steps. Its
// memory is bounded by the key space. It is safe for concurrent use.
type Tracker struct {
	mu    sync.Mutex
	acked map[string]ack
	now   func() time.Time
}

// NewTracker returns an empty Tracker.
func NewTracker() *Tracker {
	return &Tracker{acked: map[string]ack{}, now: time.Now}
}

// write records an acknowledged write of key at version.
func (t *Tracker) write(key string, version int64) {
	at := t.now().UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	if a, ok := t.acked[key]; !ok || version > a.version {
		t.acked[key] = ack{version: version, at: at}
	}
}

// read classifies a read of key at version that began at readAt:
// after reports whether it began after an acknowledged write of the key,
// stale whether it then returned an older version.
func (t *Tracker) read(key string, version, readAt int64) (after, stale bool) {
	t.mu.Lock()
	a, ok := t.acked[key]
	t.mu.Unlock()
	if !ok || readAt <= a.at {
		return false, false
	}
	return true, version < a.version
}

// Meter aggregates one step's database headers. Observe is called from
// one goroutine; Extra once at the end.
type Meter struct {
	tr                                  *Tracker
	reads, writes, scans, stale, checks uint64
	wait                                *hdrhistogram.Histogram // µs
}

// NewMeter returns a step's Meter sharing tr.
func NewMeter(tr *Tracker) *Meter {
	return &Meter{tr: tr, wait: hdrhistogram.New(1, 60_000_000, 3)}
}

// Observe adds one response. Responses without HeaderOp, and failed ones,
// are ignored.
func (m *Meter) Observe(code uint16, h http.Header) {
	op := h.Get(HeaderOp)
	if op == "" || code >= 400 {
		return
	}
	if w, err := strconv.ParseInt(h.Get(HeaderWait), 10, 64); err == nil {
		_ = m.wait.RecordValue(min(max(w, 1), 60_000_000))
	}
	key := h.Get(HeaderKey)
	version, _ := strconv.ParseInt(h.Get(HeaderVersion), 10, 64)
	switch op {
	case OpWrite:
		m.writes++
		if key != "" {
			m.tr.write(key, version)
		}
	case OpRead:
		m.reads++
		readAt, err := strconv.ParseInt(h.Get(HeaderReadAt), 10, 64)
		if key == "" || err != nil {
			return
		}
		after, stale := m.tr.read(key, version, readAt)
		if after {
			m.checks++
		}
		if stale {
			m.stale++
		}
	case OpScan:
		m.scans++
	}
}

// Extra returns the step's figures for results.Step.Extra. The stale-read
// ratio is stale reads over all keyed reads of the step.
func (m *Meter) Extra(time.Duration) map[string]float64 {
	x := map[string]float64{
		ExtraReads:         float64(m.reads),
		ExtraWrites:        float64(m.writes),
		ExtraScans:         float64(m.scans),
		ExtraStaleReads:    float64(m.stale),
		ExtraReadsAfterAck: float64(m.checks),
	}
	if m.reads > 0 {
		x[ExtraStaleReadRatio] = float64(m.stale) / float64(m.reads)
	}
	if m.wait.TotalCount() > 0 {
		x[ExtraPoolWaitP99] = float64(m.wait.ValueAtQuantile(99)) / 1000
	}
	return x
}
