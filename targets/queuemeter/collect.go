package queuemeter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	goredis "github.com/redis/go-redis/v9"
)

const (
	maxReadPerCollect   = 100_000
	histHighest         = 3_600_000_000
	completionBatchSize = 1000
)

// Stats is one look at the queue.
type Stats struct {
	// At is when it was taken.
	At time.Time
	// Accepted, Completed, Refused and Duplicates are cumulative counters
	// since the queue was created.
	Accepted, Completed, Refused, Duplicates uint64
	// Depth is jobs accepted and not completed (XLEN): waiting + running.
	Depth int64
	// Running is jobs delivered to a worker and not yet acknowledged.
	Running int64
	// New is the number of completions read by this Collect; Failed how
	// many of them were malformed jobs.
	New, Failed uint64
	// ByConsumer counts this Collect's completions per worker.
	ByConsumer map[string]uint64
	// E2E (accepted → done), QueueWait (accepted → started) and Service
	// (started → done) are histograms, in µs, of this Collect's
	// completions. Merge them per step.
	E2E, QueueWait, Service *hdrhistogram.Histogram
}

// Collector reads the queue's figures incrementally: each Collect reads
// only the completions recorded since the previous one, so calling it
// every second costs the same at any run length.
type Collector struct {
	// Group is the consumer group whose running jobs are counted
	// (DefaultGroup unless set).
	Group  string
	rdb    *goredis.Client
	keys   Keys
	cursor string // last done-stream id read
}

// NewCollector returns a Collector for the queue under prefix ("":
// DefaultPrefix), starting with the first completion ever recorded.
func NewCollector(rdb *goredis.Client, prefix string) *Collector {
	return &Collector{Group: DefaultGroup, rdb: rdb, keys: KeysFor(prefix), cursor: "-"}
}

// NewHistogram returns an empty histogram with the geometry of Stats'
// (µs, 1 µs to 1 h, 3 digits; the same as results.Step.Histograms).
func NewHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, histHighest, 3) }

// Collect reads counters, depth and the new completions.
func (c *Collector) Collect(ctx context.Context) (Stats, error) {
	s := Stats{At: time.Now(), ByConsumer: map[string]uint64{},
		E2E: NewHistogram(), QueueWait: NewHistogram(), Service: NewHistogram()}
	k := c.keys
	pipe := c.rdb.Pipeline()
	counters := pipe.MGet(ctx, k.Accepted, k.Completed, k.Refused, k.Duplicates)
	depth := pipe.XLen(ctx, k.Stream)
	if _, err := pipe.Exec(ctx); err != nil {
		return s, fmt.Errorf("queue: collect: %w", err)
	}
	vals := counters.Val()
	for i, p := range []*uint64{&s.Accepted, &s.Completed, &s.Refused, &s.Duplicates} {
		*p, _ = strconv.ParseUint(str(vals[i]), 10, 64)
	}
	s.Depth = depth.Val()
	if s.Depth > 0 {
		// XPENDING fails with NOGROUP before the first worker: not an error.
		if p, err := c.rdb.XPending(ctx, k.Stream, c.Group).Result(); err == nil {
			s.Running = p.Count
		}
	}
	for s.New < maxReadPerCollect {
		start := c.cursor
		if start != "-" {
			start = "(" + start
		}
		msgs, err := c.rdb.XRangeN(ctx, k.Done, start, "+", completionBatchSize).Result()
		if err != nil {
			return s, fmt.Errorf("queue: read completions: %w", err)
		}
		for _, m := range msgs {
			c.cursor = m.ID
			s.add(m)
		}
		if len(msgs) < completionBatchSize {
			break
		}
	}
	return s, nil
}

// add records one completion.
func (s *Stats) add(m goredis.XMessage) {
	s.New++
	if str(m.Values["error"]) != "" {
		s.Failed++
	}
	s.ByConsumer[str(m.Values["consumer"])]++
	acc, e1 := strconv.ParseInt(str(m.Values["accepted_us"]), 10, 64)
	st, e2 := strconv.ParseInt(str(m.Values["started_us"]), 10, 64)
	done, e3 := strconv.ParseInt(str(m.Values["done_us"]), 10, 64)
	if e1 != nil || e2 != nil || e3 != nil {
		return
	}
	record(s.E2E, done-acc)
	record(s.QueueWait, st-acc)
	record(s.Service, done-st)
}

func record(h *hdrhistogram.Histogram, us int64) {
	_ = h.RecordValue(min(max(us, 0), histHighest))
}

// Accounting says what became of the accepted jobs.
type Accounting struct {
	// Accepted is the number of jobs accepted (202).
	Accepted uint64
	// Completed is the number completed (each job once).
	Completed uint64
	// Missing is Accepted − Completed: jobs never done.
	Missing uint64
	// MissingIDs lists up to 100 of them.
	MissingIDs []string
	// Duplicates counts jobs done twice (the second completion).
	Duplicates uint64
	// Drained is true when the queue emptied before the timeout.
	Drained bool
	// Waited is how long Drain waited.
	Waited time.Duration
}

// Drain waits until every accepted job is completed (the stream is
// empty), ctx ends or timeout passes, then accounts for the jobs. It
// returns an error only when Redis cannot be read (for instance it was
// killed: the jobs it held are lost and the caller's own list of
// accepted ids, checked with AccountIDs, is the only record left).
func Drain(ctx context.Context, rdb *goredis.Client, prefix string, timeout time.Duration) (Accounting, error) {
	k := KeysFor(prefix)
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var a Accounting
	for {
		n, err := rdb.XLen(ctx, k.Stream).Result()
		if err != nil && ctx.Err() == nil {
			return a, fmt.Errorf("queue: drain: %w", err)
		}
		if err == nil && n == 0 {
			a.Drained = true
			break
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	a.Waited = time.Since(start)
	// Account with a fresh deadline: the drain's may be spent.
	actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer acancel()
	vals, err := rdb.MGet(actx, k.Accepted, k.Completed, k.Duplicates).Result()
	if err != nil {
		return a, fmt.Errorf("queue: drain: read counters: %w", err)
	}
	a.Accepted, _ = strconv.ParseUint(str(vals[0]), 10, 64)
	a.Completed, _ = strconv.ParseUint(str(vals[1]), 10, 64)
	a.Duplicates, _ = strconv.ParseUint(str(vals[2]), 10, 64)
	if a.Accepted > a.Completed {
		a.Missing = a.Accepted - a.Completed
	}
	if a.Missing > 0 {
		msgs, err := rdb.XRangeN(actx, k.Stream, "-", "+", 100).Result()
		if err != nil {
			return a, fmt.Errorf("queue: drain: list missing jobs: %w", err)
		}
		for _, m := range msgs {
			a.MissingIDs = append(a.MissingIDs, m.ID)
		}
	}
	return a, nil
}

// AccountIDs checks the ids the load generator received (X-Scalebench-Job
// headers) against the set of completed jobs: the exact, client-side
// account. When Redis cannot be read every id is missing and the error
// says why.
func AccountIDs(ctx context.Context, rdb *goredis.Client, prefix string, ids []string) (Accounting, error) {
	k := KeysFor(prefix)
	a := Accounting{Accepted: uint64(len(ids))}
	var errs []error
	for i := 0; i < len(ids); i += completionBatchSize {
		batch := ids[i:min(i+completionBatchSize, len(ids))]
		found, err := rdb.SMIsMember(ctx, k.DoneIDs, toAny(batch)...).Result()
		if err != nil {
			errs = append(errs, err)
			found = make([]bool, len(batch))
		}
		for j, ok := range found {
			if ok {
				a.Completed++
			} else if len(a.MissingIDs) < 100 {
				a.MissingIDs = append(a.MissingIDs, batch[j])
			}
		}
	}
	a.Missing = a.Accepted - a.Completed
	a.Drained = a.Missing == 0
	if err := errors.Join(errs...); err != nil {
		return a, fmt.Errorf("queue: account ids: %w", err)
	}
	return a, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// str is a stream entry's field as text ("" when absent).
func str(v any) string {
	s, _ := v.(string)
	return s
}
