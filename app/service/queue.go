package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/app/cpuwork"
)

// Redis Stream names of the queue hops: one stream per consumed service,
// read by the consumer group of that service's instances.
const (
	streamPrefix = "scalebench:svc:"
	group        = "service"
)

// localQueueCap bounds the monolith's in-process queue; beyond it a hop
// fails like an enqueue refused by a full Redis.
const localQueueCap = 10_000

func stream(name string) string { return streamPrefix + name }

// enqueue puts one job for service c on its stream, with the trace.
func (h *Handler) enqueue(ctx context.Context, c string, tr Trace) error {
	err := h.rdb.XAdd(ctx, &goredis.XAddArgs{Stream: stream(c), Values: map[string]any{
		"traceparent": tr.String(), "at_us": time.Now().UnixMicro(),
	}}).Err()
	if err != nil {
		return fmt.Errorf("enqueue for %s: %w", c, err)
	}
	return nil
}

// depth is the number of jobs waiting (or in progress) for service n.
func (h *Handler) depth(n string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if h.rdb == nil {
		return int64(len(h.local))
	}
	d, err := h.rdb.XLen(ctx, stream(n)).Result()
	if err != nil {
		return -1
	}
	return d
}

// consume takes jobs for service n from its stream, one at a time (a
// service instance models one Node process), until ctx ends. A job is
// acknowledged and deleted once done, so the stream's length is its depth.
func (h *Handler) consume(ctx context.Context, n string) {
	backoff := 50 * time.Millisecond
	ready := false
	for ctx.Err() == nil {
		if !ready {
			err := h.rdb.XGroupCreateMkStream(ctx, stream(n), group, "0").Err()
			if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
				backoff = pause(ctx, backoff)
				continue
			}
			ready = true
		}
		res, err := h.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: group, Consumer: h.opts.ID,
			Streams: []string{stream(n), ">"}, Count: 1, Block: time.Second}).Result()
		switch {
		case errors.Is(err, goredis.Nil):
			continue
		case err != nil:
			ready = !strings.HasPrefix(err.Error(), "NOGROUP")
			backoff = pause(ctx, backoff)
			continue
		}
		backoff = 50 * time.Millisecond
		for _, s := range res {
			for _, m := range s.Messages {
				h.process(ctx, n, m)
			}
		}
	}
}

// process does one job of service n and records it, queue wait included.
func (h *Handler) process(ctx context.Context, n string, m goredis.XMessage) {
	tp, _ := m.Values["traceparent"].(string)
	tr, ok := ParseTraceparent(tp)
	if ok {
		tr = tr.Child()
	} else {
		tr = NewTrace()
	}
	at, _ := strconv.ParseInt(fmt.Sprint(m.Values["at_us"]), 10, 64)
	sp := h.run(ctx, n, tr)
	if ctx.Err() != nil {
		return // interrupted by shutdown: left pending
	}
	sp.queued, sp.queueWait = true, time.Since(time.UnixMicro(at))-sp.total
	h.stats[n].record(sp)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	pipe := h.rdb.TxPipeline()
	pipe.XAck(actx, stream(n), group, m.ID)
	pipe.XDel(actx, stream(n), m.ID)
	_, _ = pipe.Exec(actx)
}

// pause sleeps backoff (or until ctx ends) and returns the next backoff.
func pause(ctx context.Context, backoff time.Duration) time.Duration {
	_ = cpuwork.Wait(ctx, backoff)
	return min(2*backoff, time.Second)
}

// localJob is a queue hop inside the monolith.
type localJob struct {
	service string
	trace   Trace
	at      time.Time
}

// enqueueLocal hands a queue hop to the monolith's background worker.
func (h *Handler) enqueueLocal(c string, tr Trace) error {
	select {
	case h.local <- localJob{service: c, trace: tr, at: time.Now()}:
		return nil
	default:
		return fmt.Errorf("enqueue for %s: in-process queue full (%d jobs)", c, localQueueCap)
	}
}

// runLocal does the monolith's queue hops one at a time, like a Node
// process doing deferred work on its own event loop.
func (h *Handler) runLocal(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-h.local:
			sp := h.run(ctx, j.service, j.trace)
			if ctx.Err() != nil {
				return
			}
			sp.queued, sp.queueWait = true, time.Since(j.at)-sp.total
			h.stats[j.service].record(sp)
		}
	}
}
