package load

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/scalebench/scalebench/results"
)

// InstanceHeader is the response header naming the instance that served a
// request; the reference app sets it on every response.
const InstanceHeader = "X-Scalebench-Instance"

// Timing of the consumer's housekeeping.
const (
	inFlightEvery = 10 * time.Millisecond // Little's law samples
	observeEvery  = time.Second           // Config.Observe and Live
	sampleEvery   = time.Second           // Config.Sample and getrusage
	sampleTimeout = 2 * time.Second       // one Config.Sample call
)

// grace is how long past its duration an open phase may keep sending hits
// it is late with, before the rest are counted as unsent.
func grace(d time.Duration) time.Duration {
	return max(2*time.Second, d/2)
}

// phaseRun is the state of one phase while it runs. Everything in it is
// touched by one goroutine at a time: the consumer, or under the fast
// engine also its workers, holding fastAttack.mu (as the consumer then does).
type phaseRun struct {
	cfg     *Config
	picker  *picker
	ph      Phase
	open    bool
	sched   schedule
	workers int
	window  time.Duration // length of each step's window
	recs    []*recorder

	start     time.Time // phase start (monotonic)
	sentBase  uint64    // picker.sent() before the phase
	completed uint64    // results received

	interrupted bool
	stopAt      time.Duration // when ctx ended, from start

	// live figures for Config.Observe
	liveHist         *hdrhistogram.Histogram
	liveReq, liveAll uint64
	liveErr          uint64
	liveAt           time.Duration

	prev    sample
	hasPrev bool
}

// drive runs one checked phase and returns all its steps.
func (g *Generator) drive(ctx context.Context, ph Phase) ([]results.Step, error) {
	r := g.newPhaseRun(ph)
	conns := newConnSet()
	defer conns.closeAll()

	deadline := ph.Duration
	if r.open {
		deadline += grace(ph.Duration)
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	observed := make(chan Live, 1)
	defer close(observed)
	if g.cfg.Observe != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range observed {
				g.cfg.Observe(l)
			}
		}()
	}

	sampleCtx, cancelSamples := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSamples()
	samples := make(chan sample, 8)
	stopSampling := make(chan struct{})
	first := g.takeSample(sampleCtx)
	waitUntil(ph.StartAt)
	r.start = time.Now()
	r.sentBase = r.picker.sent()
	r.attribute(first)
	wg.Add(1)
	go func() {
		defer wg.Done()
		g.sample(sampleCtx, r.start, samples, stopSampling)
	}()

	sl := newSleeper()
	defer sl.close() // after the attack: its pacer has returned
	atk, res, finished, mu := g.launch(r, conns, sl)
	r.consume(ctx, atk, res, finished, mu, samples, deadline, observed)
	close(stopSampling)
	for s := range samples {
		r.attribute(s)
	}
	steps := r.steps()
	for i := range steps {
		steps[i].Generator.Engine = g.engine
	}
	return steps, nil
}

// launch starts the phase's attack on the generator's engine. The vegeta
// engine delivers results on res (nil for the fast engine); the fast
// engine's workers record their own results under mu and close finished
// when they are all done (nil for the vegeta engine).
func (g *Generator) launch(r *phaseRun, conns *connSet, sl *sleeper) (atk attack, res <-chan *vegeta.Result, finished <-chan struct{}, mu sync.Locker) {
	var pacer vegeta.Pacer = closedPacer{d: r.ph.Duration}
	if r.open {
		pacer = openPacer{s: r.sched, sl: sl}
	}
	if g.engine == EngineFast {
		fa := g.startFast(r, conns, pacer)
		return fa, nil, fa.done, &fa.mu
	}
	va := g.newAttacker(conns, r.workers)
	return vegetaAttack{atk: va, conns: conns}, va.Attack(r.picker.targeter(), pacer, 0, ""), nil, noLock{}
}

func (g *Generator) newPhaseRun(ph Phase) *phaseRun {
	r := &phaseRun{
		cfg:      &g.cfg,
		picker:   g.picker,
		ph:       ph,
		open:     ph.Model == ModelOpen,
		workers:  g.cfg.MaxWorkers,
		window:   ph.Duration / time.Duration(ph.Windows),
		liveHist: newHistogram(),
	}
	if !r.open {
		r.workers = ph.Concurrency
	}
	if r.open {
		r.sched = newSchedule(ph.Rate, ph.RampTo, ph.Duration).shard(ph.Shard)
	}
	for k := 0; k < ph.Windows; k++ {
		start := time.Duration(k) * r.window
		length := r.window
		if k == ph.Windows-1 {
			length = ph.Duration - start
		}
		rec := newRecorder(k, start, length, len(g.cfg.Requests))
		rec.timeline.keep = g.cfg.TimelineHistograms
		if g.cfg.Meter != nil {
			rec.meter = g.cfg.Meter()
		}
		if r.open {
			rec.scheduled = r.sched.firstHitAt(start+length) - r.sched.firstHitAt(start)
			if k == ph.Windows-1 {
				rec.scheduled = r.sched.hits - r.sched.firstHitAt(start)
			}
			rec.offered = float64(rec.scheduled) / length.Seconds()
		}
		r.recs = append(r.recs, rec)
	}
	return r
}

// consume receives every result of the attack and does all the
// bookkeeping in between, in this one goroutine: vegeta's results channel
// is unbuffered, so a slow consumer would slow the attack itself. Under
// the fast engine the workers record their own results (res is nil) and
// this loop does the rest of the bookkeeping under mu, until finished.
func (r *phaseRun) consume(ctx context.Context, atk attack, res <-chan *vegeta.Result, finished <-chan struct{},
	mu sync.Locker, samples <-chan sample, deadline time.Duration, observed chan<- Live) {
	stop := time.NewTimer(deadline)
	defer stop.Stop()
	inFlight := time.NewTicker(inFlightEvery)
	defer inFlight.Stop()
	observe := time.NewTicker(observeEvery)
	defer observe.Stop()
	done := ctx.Done()
	for {
		select {
		case v, ok := <-res:
			if !ok {
				return
			}
			r.completed++
			if !r.interrupted {
				r.handle(v)
			}
		case <-finished:
			return
		case <-inFlight.C:
			mu.Lock()
			r.sampleInFlight()
			mu.Unlock()
		case s := <-samples:
			mu.Lock()
			r.attribute(s)
			mu.Unlock()
		case <-observe.C:
			mu.Lock()
			r.observe(observed)
			mu.Unlock()
		case <-stop.C:
			// Hits still unsent are counted as such; requests in flight
			// finish (bounded by the request timeout).
			atk.stop()
		case <-done:
			done = nil
			mu.Lock()
			r.interrupted = true
			r.stopAt = time.Since(r.start)
			mu.Unlock()
			atk.abort() // aborts requests in flight at once
		}
	}
}

// handle records one result in the step its intended send time falls in.
func (r *phaseRun) handle(v *vegeta.Result) {
	sent := v.Timestamp.Sub(r.start)
	o := outcome{
		intended: sent,
		sent:     sent,
		end:      sent + v.Latency,
		kind:     classify(v.Code, v.Error),
		bytesOut: v.BytesOut,
		request:  r.picker.index(v.Method, v.URL),
	}
	if r.open {
		o.intended = r.sched.due(v.Seq)
	}
	if h := v.Headers; h != nil {
		if s := h[InstanceHeader]; len(s) > 0 {
			o.instance = s[0]
		}
		// MaxBody(0) leaves vegeta's BytesIn at 0; the body was drained
		// unread, so take its length from the header.
		if s := h["Content-Length"]; len(s) > 0 {
			o.bytesIn, _ = strconv.ParseUint(s[0], 10, 64)
		}
	}
	r.record(&o, v.Code, v.Headers)
}

// record adds one outcome to the step its intended send time falls in, and
// to the live figures; code and h go to the step's Meter, if any.
func (r *phaseRun) record(o *outcome, code uint16, h http.Header) {
	rec := r.recAt(o.intended)
	rec.record(o, r.open)
	if rec.meter != nil {
		rec.meter.Observe(code, h)
	}

	r.liveReq++
	if o.kind != "" {
		r.liveErr++
	}
	recordClamped(r.liveHist, int64(o.end-o.intended)/1e3)
}

// recAt returns the step whose window holds t (clamped to the phase).
func (r *phaseRun) recAt(t time.Duration) *recorder {
	k := 0
	if t > 0 {
		k = int(t / r.window)
	}
	return r.recs[min(k, len(r.recs)-1)]
}

// sampleInFlight takes one sample of the requests in flight: handed to a
// worker but not yet received here.
func (r *phaseRun) sampleInFlight() {
	if r.interrupted {
		return
	}
	sent := r.picker.sent() - r.sentBase
	var n uint64
	if sent > r.completed {
		n = sent - r.completed
	}
	r.recAt(time.Since(r.start)).little.add(n, uint64(r.workers))
}

// observe hands a Live snapshot to the observer goroutine, or drops it if
// the observer is still busy with the previous one.
func (r *phaseRun) observe(observed chan<- Live) {
	now := time.Since(r.start)
	l := Live{
		Elapsed:  now,
		Duration: r.ph.Duration,
		Requests: r.liveAll + r.liveReq,
		Errors:   r.liveErr,
	}
	if dt := (now - r.liveAt).Seconds(); dt > 0 {
		l.Rate = float64(r.liveReq) / dt
	}
	if r.liveHist.TotalCount() > 0 {
		l.P99Ms = usToMs(r.liveHist.ValueAtQuantile(99))
	}
	r.liveAll += r.liveReq
	r.liveReq = 0
	r.liveAt = now
	r.liveHist.Reset()
	select {
	case observed <- l:
	default:
	}
}
