package load

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"
)

// fastReadBuffer bounds a response's header block under the fast engine
// (fasthttp fails a larger one as "small read buffer"); it is allocated
// once per connection.
const fastReadBuffer = 16 << 10

// fastAttack runs one phase on fasthttp's HostClient: one goroutine per
// worker, each with its own reusable request and response, so a request
// costs no allocation. In the open model one pacer goroutine hands hit
// numbers to the workers through an unbuffered channel (a hit waits for a
// free worker, as with vegeta's capped workers); in the closed model each
// worker sends again as soon as its response is in, with no channel in
// between. Workers record their own results under mu, which the consumer
// also takes for its housekeeping; that saves the hand-off of every result
// to another goroutine that the vegeta engine pays.
type fastAttack struct {
	mu       sync.Mutex
	r        *phaseRun
	client   *fasthttp.HostClient
	conns    *connSet
	timeout  time.Duration
	meter    bool // Config.Meter is set: pass it each response's headers
	stopped  atomic.Bool
	stopCh   chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

var _ attack = (*fastAttack)(nil)

// startFast starts the phase's workers (and the pacer, in the open model)
// and returns at once; done closes when they have all finished.
func (g *Generator) startFast(r *phaseRun, conns *connSet, pacer vegeta.Pacer) *fastAttack {
	a := &fastAttack{
		r:       r,
		client:  g.hostClient(conns, r.workers),
		conns:   conns,
		timeout: g.cfg.Timeout,
		meter:   g.cfg.Meter != nil,
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	var ticks chan uint64
	if r.open {
		ticks = make(chan uint64)
	}
	var wg sync.WaitGroup
	for range r.workers {
		w := a.newWorker()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r.open {
				for seq := range ticks {
					w.hit(seq)
				}
				return
			}
			for !a.stopped.Load() && time.Since(r.start) < r.ph.Duration {
				w.hit(0)
			}
		}()
	}
	if r.open {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.pace(pacer, ticks)
		}()
	}
	go func() {
		wg.Wait()
		// Every connection is idle now; closing them through the client
		// lets its pool cleaner end.
		a.client.CloseIdleConnections()
		close(a.done)
	}()
	return a
}

// hostClient returns the phase's fasthttp client: at most workers
// connections, HTTP/1.1 keep-alive, the most recently used connection
// first (so a low rate keeps few connections busy, like net/http's pool),
// paths sent as written, no redirects followed (HostClient never does),
// and dialling through conns so an aborted phase can close them all.
func (g *Generator) hostClient(conns *connSet, workers int) *fasthttp.HostClient {
	port := g.base.Port()
	if port == "" {
		port = "80"
	}
	return &fasthttp.HostClient{
		Addr:                   net.JoinHostPort(g.base.Hostname(), port),
		Name:                   "scalebench",
		MaxConns:               workers,
		MaxIdleConnDuration:    idleConnTimeout,
		ReadBufferSize:         fastReadBuffer,
		ConnPoolStrategy:       fasthttp.LIFO,
		DisablePathNormalizing: true,
		// Like net/http: retry only an idempotent request whose kept-alive
		// connection the server had closed before answering.
		MaxIdemponentCallAttempts: fastRetries,
		RetryIfErr:                retryClosedIdle,
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return conns.dial(ctx, "tcp", addr)
		},
	}
}

// pace hands out hit numbers on the open-model schedule until it is done
// or the attack stops, then closes ticks. Like vegeta's attack loop, it
// sleeps whatever p returns (openPacer sleeps itself and returns 0).
func (a *fastAttack) pace(p vegeta.Pacer, ticks chan<- uint64) {
	defer close(ticks)
	for n := uint64(0); ; n++ {
		wait, stop := p.Pace(time.Since(a.r.start), n)
		if stop || a.stopped.Load() {
			return
		}
		time.Sleep(wait)
		select {
		case ticks <- n:
		case <-a.stopCh:
			return
		}
	}
}

func (a *fastAttack) stop() {
	a.stopOnce.Do(func() {
		a.stopped.Store(true)
		close(a.stopCh)
	})
}

func (a *fastAttack) abort() {
	a.stop()
	a.conns.closeAll()
}
