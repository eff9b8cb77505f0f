package runner

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scalebench/scalebench/targets/cachemeter"
	"github.com/scalebench/scalebench/targets/queuemeter"
	sbredis "github.com/scalebench/scalebench/targets/redis"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// redisDeployment is a deployment with a Redis of its own (process
// driver: targets/process.Deployment).
type redisDeployment interface {
	RedisAddr() string
	RedisErr() error
}

// Drain bounds: how long the queue may take to empty after the load.
const (
	drainTimeout      = 30 * time.Second
	quickDrainTimeout = 10 * time.Second
	collectEvery      = time.Second
)

// meterFor returns the per-step meter factory for t's topology (nil:
// none, and the generator does no per-response work).
func meterFor(t scenarios.Target, accepted *atomic.Uint64) func() load.Meter {
	switch t.Topology {
	case "cached", "nocache":
		return func() load.Meter { return cacheMeter{cachemeter.NewMeter()} }
	case "queue":
		return func() load.Meter { return &jobsMeter{total: accepted} }
	}
	return nil
}

// cacheMeter adapts cachemeter.Meter to load.Meter.
type cacheMeter struct{ m *cachemeter.Meter }

func (c cacheMeter) Observe(_ uint16, h http.Header) { c.m.Observe(h) }
func (c cacheMeter) Finish(st *results.Step, elapsed time.Duration) {
	cs := c.m.Stats(elapsed)
	st.Cache = &cs
}

// jobsMeter counts the jobs the API accepted, as the client saw them.
type jobsMeter struct {
	accepted, refused uint64
	total             *atomic.Uint64
}

func (j *jobsMeter) Observe(code uint16, _ http.Header) {
	switch code {
	case http.StatusAccepted:
		j.accepted++
		j.total.Add(1)
	case http.StatusServiceUnavailable:
		j.refused++
	}
}

func (j *jobsMeter) Finish(st *results.Step, _ time.Duration) {
	if st.Queue == nil {
		st.Queue = &results.QueueStats{}
	}
	st.Queue.AcceptedByClient, st.Queue.RefusedByClient = j.accepted, j.refused
}

// redisWorkload wraps the workload of a Redis-backed target: it watches
// Redis (a death is recorded, not fatal: the app answers with errors and
// the run goes on), reads the queue about once a second for queue
// topologies, and after the last phase drains the queue and accounts for
// every job.
type redisWorkload struct {
	inner    workload
	dep      redisDeployment
	topology string
	quick    bool
	accepted *atomic.Uint64 // 202s seen by the generator
	rdb      *goredis.Client
	coll     *queuemeter.Collector
	redisErr error // first Redis death seen
}

// withRedis wraps w when dep has a Redis; otherwise it returns w.
func withRedis(t scenarios.Target, dep targets.Deployment, w workload, opts Options, accepted *atomic.Uint64) workload {
	rd, ok := dep.(redisDeployment)
	if !ok || rd.RedisAddr() == "" {
		return w
	}
	rw := &redisWorkload{inner: w, dep: rd, topology: t.Topology, quick: opts.Quick, accepted: accepted}
	if topo, ok := targets.Lookup(t.Topology); ok && topo.QueueWorkers {
		rw.rdb = sbredis.NewClient(rd.RedisAddr(), 4, time.Second)
		rw.coll = queuemeter.NewCollector(rw.rdb, "")
	}
	return rw
}

// Run drives the phase, sampling the queue meanwhile.
func (w *redisWorkload) Run(ctx context.Context, ph load.Phase) ([]results.Step, error) {
	var samples []queuemeter.Stats
	var wg sync.WaitGroup
	stop := make(chan struct{})
	if w.coll != nil {
		if s, err := w.coll.Collect(ctx); err == nil {
			samples = append(samples, s) // baseline for the counters
		}
		wg.Go(func() {
			t := time.NewTicker(collectEvery)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-t.C:
				}
				cctx, cancel := context.WithTimeout(ctx, collectEvery)
				s, err := w.coll.Collect(cctx)
				cancel()
				if err == nil {
					samples = append(samples, s)
				}
			}
		})
	}
	steps, err := w.inner.Run(ctx, ph)
	close(stop)
	wg.Wait()
	if w.coll != nil && len(samples) > 0 {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), collectEvery)
		if s, cerr := w.coll.Collect(cctx); cerr == nil {
			samples = append(samples, s)
		}
		cancel()
		for i := range steps {
			queueStep(&steps[i], samples)
		}
	}
	if rerr := w.dep.RedisErr(); rerr != nil && w.redisErr == nil {
		w.redisErr = rerr
		if n := len(steps); n > 0 {
			steps[n-1].Warnings = append(steps[n-1].Warnings, "Redis died during this step: "+rerr.Error()+"; requests needing Redis failed from then on")
		}
	}
	return steps, err
}

// queueStep fills st.Queue from the samples taken during its window.
func queueStep(st *results.Step, samples []queuemeter.Stats) {
	start := st.StartedAt
	end := start.Add(time.Duration(st.DurationS * float64(time.Second)))
	var first, last *queuemeter.Stats
	q := &results.QueueStats{ByWorker: map[string]uint64{}}
	e2e, wait := queuemeter.NewHistogram(), queuemeter.NewHistogram()
	for i := range samples {
		s := &samples[i]
		if s.At.Before(start) {
			first = s
			continue
		}
		if s.At.After(end.Add(collectEvery)) {
			break
		}
		if first == nil {
			first = s
			continue
		}
		last = s
		q.Depth = append(q.Depth, results.DepthPoint{T: round3(s.At.Sub(start).Seconds()), Depth: s.Depth, Running: s.Running})
		q.DepthMax = max(q.DepthMax, s.Depth)
		e2e.Merge(s.E2E)
		wait.Merge(s.QueueWait)
		for k, v := range s.ByConsumer {
			q.ByWorker[k] += v
		}
	}
	if first == nil || last == nil {
		return
	}
	q.Accepted = last.Accepted - first.Accepted
	q.Completed = last.Completed - first.Completed
	q.Refused = last.Refused - first.Refused
	q.DepthEnd = last.Depth
	if d := last.At.Sub(first.At).Seconds(); d > 0 {
		q.CompletedPerS = round3(float64(q.Completed) / d)
	}
	q.E2E, q.QueueWait = results.LatencyOf(e2e, nil), results.LatencyOf(wait, nil)
	q.Histograms = map[string]string{"e2e": encodeHist(e2e), "queue_wait": encodeHist(wait)}
	if st.Queue != nil { // the client's counts (jobsMeter)
		q.AcceptedByClient, q.RefusedByClient = st.Queue.AcceptedByClient, st.Queue.RefusedByClient
	}
	st.Queue = q
}

// Finish drains the queue (bounded) and accounts for every job; it also
// records a Redis death as a target warning.
func (w *redisWorkload) Finish(ctx context.Context, tr *results.Target) {
	if w.rdb != nil {
		defer w.rdb.Close()
		w.account(ctx, tr)
	}
	if w.redisErr == nil {
		w.redisErr = w.dep.RedisErr()
	}
	if w.redisErr != nil {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("Redis died mid-run (%v): requests needing it failed from then on and are counted as errors; figures after that show an outage, not the architecture", w.redisErr))
	}
}

// account waits for the queue to drain and records tr.Jobs.
func (w *redisWorkload) account(ctx context.Context, tr *results.Target) {
	timeout := drainTimeout
	if w.quick {
		timeout = quickDrainTimeout
	}
	var a queuemeter.Accounting
	var err error
	if w.dep.RedisErr() != nil {
		err = fmt.Errorf("redis is down")
	} else {
		a, err = queuemeter.Drain(ctx, w.rdb, "", timeout)
	}
	jobs := &results.Jobs{
		Accepted: a.Accepted, AcceptedByClient: w.accepted.Load(), Completed: a.Completed,
		Missing: a.Missing, MissingIDs: a.MissingIDs, Duplicates: a.Duplicates,
		Drained: a.Drained, DrainS: round3(a.Waited.Seconds()),
	}
	if err != nil {
		jobs.Error = "accounting incomplete: " + err.Error()
		// What the client saw accepted is the only record left.
		jobs.Accepted = max(jobs.Accepted, jobs.AcceptedByClient)
		if jobs.Accepted > jobs.Completed {
			jobs.Missing = jobs.Accepted - jobs.Completed
		}
	}
	tr.Jobs = jobs
	switch {
	case err != nil:
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("job accounting: %s; %d jobs accepted (by the client's count), %d known completed, %d unaccounted", jobs.Error, jobs.Accepted, jobs.Completed, jobs.Missing))
	case jobs.Missing > 0:
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("job accounting: %d of %d accepted jobs were never completed (queue drained: %v after %.1fs); first missing: %v", jobs.Missing, jobs.Accepted, jobs.Drained, jobs.DrainS, first(jobs.MissingIDs, 5)))
	case jobs.AcceptedByClient != jobs.Accepted:
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("job accounting: the client saw %d jobs accepted, Redis counted %d", jobs.AcceptedByClient, jobs.Accepted))
	}
}

func first(ids []string, n int) []string { return ids[:min(n, len(ids))] }

// encodeHist is the results encoding of a histogram; a histogram that
// cannot be encoded is left out rather than failing the step.
func encodeHist(h *hdrhistogram.Histogram) string {
	s, _ := results.EncodeHistogram(h)
	return s
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
