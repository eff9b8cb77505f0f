package wsload

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// maxPoints bounds a step's timeline (one point per second).
const maxPoints = 3600

// step accumulates one level's measurements. Messages are attributed to
// the step they were scheduled in, wherever their deliveries land.
type step struct {
	index     int
	target    int
	startedAt time.Time

	connectAttempts   atomic.Uint64
	sent              atomic.Uint64
	sendErrors        atomic.Uint64
	unsent            atomic.Uint64
	expected          atomic.Uint64
	reconnectAttempts atomic.Uint64
	reconnects        atomic.Uint64
	reconnectFailures atomic.Uint64
	openMax           atomic.Int64
	openEnd           int

	mu             sync.Mutex // guards the fields below
	connectKinds   map[string]uint64
	disconnectKind map[string]uint64
	connectHist    *hdrhistogram.Histogram
	connectSum     results.Exact
	timeline       []results.WebSocketPoint
	timelineCut    bool
	slices         stats.Slices

	shards [shards]recvShard
}

func newStep(index, target int) *step {
	s := &step{index: index, target: target, connectKinds: map[string]uint64{},
		disconnectKind: map[string]uint64{}, connectHist: newHistogram()}
	for i := range s.shards {
		s.shards[i].hist = newHistogram()
	}
	return s
}

func (s *step) shard(id uint32) *recvShard { return &s.shards[id%shards] }

func (sh *recvShard) add(f func(*recvShard)) {
	sh.mu.Lock()
	sh.received++
	f(sh)
	sh.mu.Unlock()
}

func (s *step) connectFailed(kind string) {
	s.mu.Lock()
	s.connectKinds[kind]++
	s.mu.Unlock()
}

func (s *step) recordConnect(ns int64) {
	s.mu.Lock()
	record(s.connectHist, &s.connectSum, ns/1000)
	s.mu.Unlock()
}

func (s *step) disconnected(kind string) {
	s.mu.Lock()
	s.disconnectKind[kind]++
	s.mu.Unlock()
}

func (s *step) noteOpen(n int) {
	for {
		m := s.openMax.Load()
		if int64(n) <= m || s.openMax.CompareAndSwap(m, int64(n)) {
			return
		}
	}
}

func (s *step) deliveredTotal() uint64 {
	var n uint64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.delivered
		sh.mu.Unlock()
	}
	return n
}

// drainSecond merges and clears the shards' fan-out latencies of the
// second that just ended (nil when none arrived). Deliveries of an earlier
// step's messages that arrive later stay out of every slice; they are in
// that step's whole histogram.
func (s *step) drainSecond() *hdrhistogram.Histogram {
	var out *hdrhistogram.Histogram
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		if sh.sec != nil && sh.sec.TotalCount() > 0 {
			if out == nil {
				out = hdrhistogram.New(histLowest, histHighest, stats.SliceDigits)
			}
			out.Merge(sh.sec)
			sh.sec.Reset()
		}
		sh.mu.Unlock()
	}
	return out
}

// sample appends one timeline point per second to the current step and
// calls Observe, until ctx ends.
func (r *run) sample(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastSent, lastRecv, lastDisc uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := r.now()
		k := r.stepAt(now)
		s := r.steps[k]
		sent, recv, disc := r.sent.Load(), r.received.Load(), r.disconnects.Load()
		p := results.WebSocketPoint{
			T:               float64(now-r.bounds[k]) / 1e9,
			ConnectionsOpen: int(r.open.Load()),
			MessagesSent:    sent - lastSent,
			Received:        recv - lastRecv,
			Disconnects:     disc - lastDisc,
		}
		lastSent, lastRecv, lastDisc = sent, recv, disc
		fan := s.drainSecond()
		s.mu.Lock()
		if len(s.timeline) < maxPoints {
			s.timeline = append(s.timeline, p)
		} else {
			s.timelineCut = true
		}
		s.slices.Add(results.Section{StartS: max(p.T-1, 0), Seconds: 1, Requests: p.MessagesSent, Successes: p.Received}, fan)
		s.mu.Unlock()
		if r.cfg.Observe != nil {
			r.cfg.Observe(Live{Step: k, Elapsed: time.Duration(now), ConnectionsOpen: p.ConnectionsOpen,
				MessagesSent: sent, Received: recv, Disconnects: disc})
		}
	}
}
