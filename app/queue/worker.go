package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/targets/queuemeter"
)

// WorkerOptions configure Work.
type WorkerOptions struct {
	// Redis is the client to use (required).
	Redis *goredis.Client
	// Prefix of the Redis keys (default queuemeter.DefaultPrefix).
	Prefix string
	// Group is the consumer group (default queuemeter.DefaultGroup).
	Group string
	// Consumer names this worker in the group (default "worker-PID").
	Consumer string
	// Concurrency is how many jobs run at once (default 1: a worker
	// process models one Node process doing one job at a time).
	Concurrency int
	// ClaimIdle is how long a job may stay pending with another consumer
	// before this one takes it over with XAUTOCLAIM (default 5s; it must
	// exceed the longest job, or slow jobs are done twice).
	ClaimIdle time.Duration
	// Block is how long one XREADGROUP waits for a job (default 1s).
	Block time.Duration
	// Logf, when set, receives transient errors (Redis down…).
	Logf func(format string, args ...any)
}

// WorkerStats are a worker's cumulative counters.
type WorkerStats struct {
	// Done is the number of jobs this worker completed.
	Done uint64
	// Claimed is the number taken over from another consumer.
	Claimed uint64
	// Duplicates is the number it finished after someone else had.
	Duplicates uint64
	// Errors is the number of failed Redis calls.
	Errors uint64
}

// worker is one Work call.
type worker struct {
	opts      WorkerOptions
	keys      queuemeter.Keys
	nextClaim atomic.Int64 // unix ns when the next XAUTOCLAIM is due

	done, claimed, dups, errs atomic.Uint64
}

// Work consumes jobs until ctx ends, then waits for the jobs in progress
// to stop and returns their count in stats. A job interrupted by ctx is
// not acknowledged: it stays pending and another worker claims it. Redis
// errors do not end Work: it backs off (up to 1s) and retries, so workers
// survive a Redis restart.
func Work(ctx context.Context, opts WorkerOptions) (WorkerStats, error) {
	if opts.Redis == nil {
		return WorkerStats{}, errors.New("queue: worker: no Redis client")
	}
	if opts.Group == "" {
		opts.Group = queuemeter.DefaultGroup
	}
	if opts.Consumer == "" {
		opts.Consumer = "worker-" + strconv.Itoa(os.Getpid())
	}
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if opts.ClaimIdle <= 0 {
		opts.ClaimIdle = 5 * time.Second
	}
	if opts.Block <= 0 {
		opts.Block = time.Second
	}
	w := &worker{opts: opts, keys: queuemeter.KeysFor(opts.Prefix)}
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	return WorkerStats{Done: w.done.Load(), Claimed: w.claimed.Load(), Duplicates: w.dups.Load(), Errors: w.errs.Load()}, nil
}

// loop takes and does jobs one at a time until ctx ends.
func (w *worker) loop(ctx context.Context) {
	backoff := 50 * time.Millisecond
	groupReady := false
	for ctx.Err() == nil {
		if !groupReady {
			if err := ensureGroup(ctx, w.opts.Redis, w.keys, w.opts.Group); err != nil {
				w.fail(ctx, &backoff, err)
				continue
			}
			groupReady = true
		}
		msg, ok, err := w.next(ctx)
		if err != nil {
			if isNoGroup(err) {
				groupReady = false // Redis restarted empty
			}
			w.fail(ctx, &backoff, err)
			continue
		}
		backoff = 50 * time.Millisecond
		if ok {
			w.process(ctx, msg)
		}
	}
}

func isNoGroup(err error) bool {
	return err != nil && len(err.Error()) >= 7 && err.Error()[:7] == "NOGROUP"
}

// fail counts and logs err, then sleeps backoff (doubling it, up to 1s).
func (w *worker) fail(ctx context.Context, backoff *time.Duration, err error) {
	if ctx.Err() != nil {
		return
	}
	w.errs.Add(1)
	if w.opts.Logf != nil {
		w.opts.Logf("queue worker %s: %v", w.opts.Consumer, err)
	}
	t := time.NewTimer(*backoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	*backoff = min(2**backoff, time.Second)
}

// next returns a stale job claimed from another consumer when a claim is
// due, else waits up to Block for a new one.
func (w *worker) next(ctx context.Context) (goredis.XMessage, bool, error) {
	now := time.Now().UnixNano()
	if due := w.nextClaim.Load(); now >= due && w.nextClaim.CompareAndSwap(due, now+int64(w.opts.ClaimIdle/2)) {
		msgs, _, err := w.opts.Redis.XAutoClaim(ctx, &goredis.XAutoClaimArgs{
			Stream: w.keys.Stream, Group: w.opts.Group, Consumer: w.opts.Consumer,
			MinIdle: w.opts.ClaimIdle, Start: "0-0", Count: 1,
		}).Result()
		if err != nil {
			return goredis.XMessage{}, false, fmt.Errorf("xautoclaim: %w", err)
		}
		for _, m := range msgs {
			if m.Values != nil { // nil: deleted meanwhile
				w.claimed.Add(1)
				w.nextClaim.Store(now) // there may be more: look again at once
				return m, true, nil
			}
		}
	}
	res, err := w.opts.Redis.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group: w.opts.Group, Consumer: w.opts.Consumer,
		Streams: []string{w.keys.Stream, ">"}, Count: 1, Block: w.opts.Block,
	}).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return goredis.XMessage{}, false, nil
	case err != nil:
		return goredis.XMessage{}, false, fmt.Errorf("xreadgroup: %w", err)
	}
	for _, s := range res {
		for _, m := range s.Messages {
			return m, true, nil
		}
	}
	return goredis.XMessage{}, false, nil
}

// completeScript acknowledges a job and records its completion, once.
// KEYS: stream, done, done ids, completed, duplicates. ARGV: group, id,
// accepted µs, started µs, done µs, consumer, error.
var completeScript = goredis.NewScript(`
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  redis.call('INCR', KEYS[5])
  return 0
end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'accepted_us', ARGV[3], 'started_us', ARGV[4],
  'done_us', ARGV[5], 'consumer', ARGV[6], 'error', ARGV[7])
redis.call('INCR', KEYS[4])
return 1
`)

// process does one job and records it. A malformed job is completed with
// an error rather than left to be retried forever.
func (w *worker) process(ctx context.Context, m goredis.XMessage) {
	started := time.Now()
	work, _ := m.Values["work"].(string)
	dus, err1 := strconv.ParseInt(str(m.Values["duration_us"]), 10, 64)
	accepted := str(m.Values["accepted_us"])
	var jobErr string
	if err1 != nil || (work != WorkCPU && work != WorkIO) || dus < 0 || dus > MaxDuration.Microseconds() {
		jobErr = fmt.Sprintf("malformed job %v", m.Values)
	} else if err := do(ctx, work, time.Duration(dus)*time.Microsecond); err != nil {
		return // interrupted: leave it pending for another worker
	}
	k := w.keys
	// The job is done: record it even if ctx has just ended.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	n, err := completeScript.Run(rctx, w.opts.Redis,
		[]string{k.Stream, k.Done, k.DoneIDs, k.Completed, k.Duplicates},
		w.opts.Group, m.ID, accepted, started.UnixMicro(), time.Now().UnixMicro(), w.opts.Consumer, jobErr).Int()
	switch {
	case err != nil:
		// Left pending: it will be claimed and done again.
		w.errs.Add(1)
		if w.opts.Logf != nil {
			w.opts.Logf("queue worker %s: complete %s: %v", w.opts.Consumer, m.ID, err)
		}
	case n == 0:
		w.dups.Add(1)
	default:
		w.done.Add(1)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
