package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/app/cpuwork"
)

// Patterns are the routes a service instance serves.
var Patterns = []string{"/api/", "GET " + StatsPath}

// Options configure a Handler; each field maps to a `serve` flag.
type Options struct {
	// Graph is every service of the target [--service-graph].
	Graph Graph
	// Self is the service this instance runs; "" runs the whole graph in
	// this process from Entry (the monolith) [--service].
	Self string
	// Entry is the service requests arrive at (monolith) [--entry].
	Entry string
	// Callees are the base URLs of the services Self calls over HTTP
	// (name → http://host:port) [--call NAME=URL].
	Callees map[string]string
	// Redis is the Redis address of the queue hops [--redis].
	Redis string
	// ID is the instance id (the queue consumer name).
	ID string
	// CallTimeout bounds one call to a callee (default 30s).
	CallTimeout time.Duration
}

// Validate returns every problem with o.
func (o Options) Validate() error {
	var errs []error
	if err := o.Graph.Validate(); err != nil {
		errs = append(errs, err)
	}
	root := o.root()
	node, ok := o.Graph[root]
	if !ok {
		return errors.Join(append(errs, fmt.Errorf("service %q is not in the graph (services: %v)", root, o.Graph.Names()))...)
	}
	for _, c := range o.reachable() {
		cn := o.Graph[c]
		switch {
		case cn.Queue && o.Redis == "":
			errs = append(errs, fmt.Errorf("service %s is called via queue: --redis is required", c))
		case o.Self != "" && !cn.Queue && o.Callees[c] == "":
			errs = append(errs, fmt.Errorf("service %s calls %s: give its address with --call %s=URL", root, c, c))
		}
	}
	if o.Self != "" && node.Queue && o.Redis == "" {
		errs = append(errs, fmt.Errorf("service %s is consumed via queue: --redis is required", root))
	}
	return errors.Join(errs...)
}

// root is the service requests to this instance start at.
func (o Options) root() string {
	if o.Self != "" {
		return o.Self
	}
	return o.Entry
}

// reachable are the callees this instance talks to: Self's (split), or
// the queue hops and external services anywhere in the graph (monolith).
func (o Options) reachable() []string {
	if o.Self != "" {
		return o.Graph[o.Self].Calls
	}
	var out []string
	for n := range o.Graph.Fanout(o.Entry) {
		if node := o.Graph[n]; node.External {
			out = append(out, n)
		}
	}
	return out
}

// Handler serves one instance of a service (or the whole monolith).
type Handler struct {
	opts    Options
	client  *http.Client
	rdb     *goredis.Client // nil without queue hops
	stats   map[string]*counters
	local   chan localJob // monolith's in-process queue hops
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// New returns a Handler and starts its queue consumers (a Self consumed
// via queue, or the monolith's in-process queue); Close stops them.
func New(ctx context.Context, o Options) (*Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.ID == "" {
		o.ID = "instance-" + strconv.Itoa(os.Getpid())
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	h := &Handler{opts: o, stats: map[string]*counters{}}
	for _, n := range o.Graph.Names() {
		h.stats[n] = newCounters()
	}
	h.client = &http.Client{Timeout: o.CallTimeout, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 512, IdleConnTimeout: 90 * time.Second,
	}}
	if o.Redis != "" {
		h.rdb = goredis.NewClient(&goredis.Options{Addr: o.Redis, PoolSize: 64, MaxRetries: -1,
			DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Second, DisableIdentity: true})
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	h.cancel = cancel
	if o.Self != "" && o.Graph[o.Self].Queue {
		h.workers.Go(func() { h.consume(wctx, o.Self) })
	}
	if o.Self == "" {
		h.local = make(chan localJob, localQueueCap)
		h.workers.Go(func() { h.runLocal(wctx) })
	}
	return h, nil
}

// Close stops the consumers and releases the clients.
func (h *Handler) Close() error {
	h.cancel()
	h.workers.Wait()
	h.client.CloseIdleConnections()
	if h.rdb != nil {
		return h.rdb.Close()
	}
	return nil
}

// ServeHTTP serves a request to the instance's service, and StatsPath.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == StatsPath {
		h.serveStats(w)
		return
	}
	tr := FromRequest(r)
	root := h.opts.root()
	sp := h.run(r.Context(), root, tr)
	h.stats[root].record(sp)
	w.Header().Set(TraceResponseHeader, tr.String())
	w.Header().Set("Content-Type", "application/json")
	if sp.failed {
		w.WriteHeader(http.StatusBadGateway)
	}
	fmt.Fprintf(w, "{\"service\":%q,\"trace_id\":%q,\"ms\":%.3f,\"wait_ms\":%.3f}\n",
		root, tr.TraceID, float64(sp.total)/1e6, float64(sp.wait)/1e6)
}

// run does service n's work for one request: its CPU, its database wait,
// then each call in turn. It returns the span; the caller records it.
func (h *Handler) run(ctx context.Context, n string, tr Trace) span {
	start := time.Now()
	node := h.opts.Graph[n]
	var sp span
	burn, err := cpuwork.Burn(ctx, time.Duration(node.CPUUs)*time.Microsecond)
	sp.burn = burn
	if err != nil {
		sp.failed = true
	}
	if node.DBUs > 0 && !sp.failed {
		sp.failed = cpuwork.Wait(ctx, time.Duration(node.DBUs)*time.Microsecond) != nil
	}
	for _, c := range node.Calls {
		if sp.failed {
			break
		}
		cs := time.Now()
		err := h.call(ctx, c, tr.Child())
		sp.wait += time.Since(cs)
		sp.calls = append(sp.calls, c)
		if err != nil {
			sp.failed = true
			sp.failedCalls = append(sp.failedCalls, c)
		}
	}
	sp.total = time.Since(start)
	return sp
}

// call makes one call to callee c with trace tr: in-process in a monolith,
// an enqueue for a queue hop, else an HTTP GET over the keep-alive pool.
func (h *Handler) call(ctx context.Context, c string, tr Trace) error {
	node := h.opts.Graph[c]
	switch {
	case node.Queue && h.opts.Self == "":
		return h.enqueueLocal(c, tr)
	case node.Queue:
		return h.enqueue(ctx, c, tr)
	case h.opts.Self == "" && !node.External:
		sp := h.run(ctx, c, tr)
		h.stats[c].record(sp)
		if sp.failed {
			return fmt.Errorf("%s failed", c)
		}
		return nil
	}
	return h.get(ctx, c, tr)
}

// get calls c over HTTP and drains the answer so the connection is reused.
func (h *Handler) get(ctx context.Context, c string, tr Trace) error {
	base := h.opts.Callees[c]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+h.opts.Graph.PathOf(c), nil)
	if err != nil {
		return err
	}
	req.Header.Set(TraceHeader, tr.String())
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("call %s: %w", c, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("call %s: status %d", c, resp.StatusCode)
	}
	return nil
}

// serveStats answers the instance's cumulative figures.
func (h *Handler) serveStats(w http.ResponseWriter) {
	st := Stats{Instance: h.opts.ID, Service: h.opts.Self, CPUSeconds: processCPU(), Services: map[string]ServiceStats{}}
	for n, c := range h.stats {
		if h.opts.Self != "" && n != h.opts.Self {
			continue
		}
		s, err := c.snapshot()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if h.opts.Graph[n].Queue {
			s.QueueDepth = h.depth(n)
		}
		st.Services[n] = s
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}
