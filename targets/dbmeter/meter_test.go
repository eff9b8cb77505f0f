package dbmeter

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func headers(op, key string, version, readAt int64) http.Header {
	h := http.Header{}
	h.Set(HeaderOp, op)
	h.Set(HeaderKey, key)
	h.Set(HeaderVersion, strconv.FormatInt(version, 10))
	if readAt != 0 {
		h.Set(HeaderReadAt, strconv.FormatInt(readAt, 10))
	}
	h.Set(HeaderWait, "1500")
	return h
}

// TestStaleReadAccounting: a read counts as stale only when it began
// after the client saw a newer write acknowledged, across steps.
func TestStaleReadAccounting(t *testing.T) {
	tr := NewTracker()
	clock := time.Unix(100, 0)
	tr.now = func() time.Time { return clock }
	at := func(d time.Duration) int64 { return clock.Add(d).UnixNano() }

	m := NewMeter(tr)
	m.Observe(200, headers(OpWrite, "7", 3, 0)) // acknowledged at t=100s
	steps := []struct {
		name    string
		code    uint16
		h       http.Header
		stale   float64
		checked float64
	}{
		{"read began before the ack: not stale", 200, headers(OpRead, "7", 2, at(-time.Millisecond)), 0, 0},
		{"read after the ack saw the write", 200, headers(OpRead, "7", 3, at(time.Millisecond)), 0, 1},
		{"read after the ack saw an older version", 200, headers(OpRead, "7", 2, at(2*time.Millisecond)), 1, 2},
		{"another key never written", 200, headers(OpRead, "8", 0, at(time.Millisecond)), 1, 2},
		{"a failed read is ignored", 503, headers(OpRead, "7", 1, at(time.Millisecond)), 1, 2},
	}
	for _, s := range steps {
		m.Observe(s.code, s.h)
		x := m.Extra(time.Second)
		if x[ExtraStaleReads] != s.stale || x[ExtraReadsAfterAck] != s.checked {
			t.Errorf("%s: stale %v after-write %v, want %v %v", s.name, x[ExtraStaleReads], x[ExtraReadsAfterAck], s.stale, s.checked)
		}
	}
	x := m.Extra(time.Second)
	if x[ExtraReads] != 4 || x[ExtraWrites] != 1 || x[ExtraStaleReadRatio] != 0.25 {
		t.Errorf("Extra() = %v, want 4 reads, 1 write, stale ratio 0.25", x)
	}
	if x[ExtraPoolWaitP99] < 1.49 || x[ExtraPoolWaitP99] > 1.51 {
		t.Errorf("pool wait p99 = %v ms, want 1.5", x[ExtraPoolWaitP99])
	}
	// The next step's meter shares the tracker: an older write
	// acknowledged later does not lower the newest version.
	m2 := NewMeter(tr)
	m2.Observe(200, headers(OpWrite, "7", 2, 0))
	m2.Observe(200, headers(OpRead, "7", 2, at(5*time.Millisecond)))
	if x := m2.Extra(time.Second); x[ExtraStaleReads] != 1 {
		t.Errorf("next step: stale = %v, want 1 (version 3 was acknowledged)", x[ExtraStaleReads])
	}
}
