package wsload

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Generator drives WebSocket load at one target. It is single-use: call Run
// once.
type Generator struct {
	cfg Config
}

// New checks cfg and returns a Generator for it.
func New(cfg Config) (*Generator, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("websocket load: %w", err)
	}
	return &Generator{cfg: cfg}, nil
}

// run is the state of one Run.
type run struct {
	cfg     Config
	start   time.Time
	bounds  []int64 // planned step starts, ns since start; last = send end
	rooms   []*room
	clients []*client
	steps   []*step
	http    *http.Client

	open          atomic.Int64
	sent          atomic.Uint64
	received      atomic.Uint64
	disconnects   atomic.Uint64
	stopping      atomic.Bool
	stop          chan struct{} // closed when the generator closes everything
	clientsActive sync.WaitGroup
}

// room is one room's membership, as the generator saw it.
type room struct {
	url      string // of the first endpoint
	index    int
	endpoint int
	mu       sync.Mutex
	epoch    uint64 // +1 on every open; carried in messages
	open     int    // connections open now
}

// client is one simulated user: a connection slot that may reconnect.
type client struct {
	id   uint32
	room *room  // membership (shared by every endpoint)
	url  string // endpoint and room this client dials
	conn atomic.Pointer[websocket.Conn]

	// Guarded by room.mu.
	isOpen    bool
	everOpen  bool
	openEpoch uint64
	openedAt  int64 // ns since start

	seq  uint64      // sender goroutine only
	recv []seqWindow // reader goroutine only; by sender slot in the room
}

// Run drives all levels, waits for in-flight deliveries, closes every
// connection cleanly and returns one StepResult per level. When ctx ends
// it stops early and returns what was measured (and ctx's error).
func (g *Generator) Run(ctx context.Context) (*Result, error) {
	cfg := g.cfg
	total := cfg.Levels[len(cfg.Levels)-1].Connections
	files, err := openFiles(total)
	if err != nil {
		return nil, fmt.Errorf("websocket load: %w", err)
	}
	r := newRun(cfg, total)
	r.start = time.Now()
	for i, s := range r.steps {
		s.startedAt = r.start.Add(time.Duration(r.bounds[i]))
	}

	var sampler, senders sync.WaitGroup
	sctx, stopSampler := context.WithCancel(ctx)
	sampler.Add(1)
	go func() { defer sampler.Done(); r.sample(sctx) }()
	// Senders stop by themselves at the end of the schedule: cancelling a
	// write would drop its connection.
	senders.Add(1)
	go func() { defer senders.Done(); r.sendAll(ctx) }()

	r.connectAll(ctx)
	r.sleepUntil(ctx, r.bounds[len(r.bounds)-1])
	r.steps[len(r.steps)-1].openEnd = int(r.open.Load())
	senders.Wait()
	endSend := time.Now()
	stopSampler()
	sampler.Wait()

	r.awaitDeliveries(ctx)
	r.closeAll()
	r.clientsActive.Wait()
	res := r.result(time.Since(endSend))
	for i, s := range res.Steps {
		if w := files.warning(s.WebSocket.ConnectionsTarget); w != "" {
			res.Steps[i].Warnings = append(res.Steps[i].Warnings, w)
		}
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("websocket load interrupted: %w", err)
	}
	return res, nil
}

func newRun(cfg Config, total int) *run {
	r := &run{
		cfg:  cfg,
		stop: make(chan struct{}),
		http: &http.Client{Transport: &http.Transport{
			DialContext:       (&sourceDialer{timeout: cfg.ConnectTimeout}).DialContext,
			DisableKeepAlives: true,
		}},
	}
	for e, raw := range cfg.URLs {
		u, _ := url.Parse(raw) // validated
		for i := range cfg.Rooms {
			ru := *u
			if cfg.RoomParam != "-" {
				q := ru.Query()
				q.Set(cfg.RoomParam, "r"+strconv.Itoa(i))
				ru.RawQuery = q.Encode()
			}
			r.rooms = append(r.rooms, &room{url: ru.String(), index: i, endpoint: e})
		}
	}
	r.clients = make([]*client, total)
	for i := range r.clients {
		rm := i % cfg.Rooms
		ep := (i / cfg.Rooms) % len(cfg.URLs)
		members := (total - rm + cfg.Rooms - 1) / cfg.Rooms
		r.clients[i] = &client{id: uint32(i), room: r.rooms[rm], url: r.rooms[ep*cfg.Rooms+rm].url,
			recv: make([]seqWindow, members)}
	}
	// Plan: step k opens its new connections at ConnectRate, then holds.
	var t int64
	prev := 0
	for k, l := range cfg.Levels {
		r.bounds = append(r.bounds, t)
		opening := float64(l.Connections-prev) / cfg.ConnectRate * 1e9
		t += int64(opening) + int64(l.Hold)
		r.steps = append(r.steps, newStep(k, l.Connections))
		prev = l.Connections
	}
	r.bounds = append(r.bounds, t)
	return r
}

// now is nanoseconds since the run started (monotonic).
func (r *run) now() int64 { return int64(time.Since(r.start)) }

// stepAt is the index of the step planned to contain t.
func (r *run) stepAt(t int64) int {
	for k := len(r.steps) - 1; k > 0; k-- {
		if t >= r.bounds[k] {
			return k
		}
	}
	return 0
}

// sleepUntil waits until t (ns since start) or until ctx ends.
func (r *run) sleepUntil(ctx context.Context, t int64) bool {
	d := time.Duration(t - r.now())
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connectAll opens the connections of every level on the planned schedule.
func (r *run) connectAll(ctx context.Context) {
	prev := 0
	for k, l := range r.cfg.Levels {
		if k > 0 {
			r.steps[k-1].openEnd = int(r.open.Load())
		}
		for j := prev; j < l.Connections; j++ {
			intended := r.bounds[k] + int64(float64(j-prev)/r.cfg.ConnectRate*1e9)
			if !r.sleepUntil(ctx, intended) {
				return
			}
			r.clientsActive.Add(1)
			go r.clientLoop(ctx, r.clients[j], intended, k)
		}
		prev = l.Connections
		if !r.sleepUntil(ctx, r.bounds[k+1]) {
			return
		}
	}
}

// awaitDeliveries waits up to Grace for messages still in flight.
func (r *run) awaitDeliveries(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.Grace)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		var expected, delivered uint64
		for _, s := range r.steps {
			expected += s.expected.Load()
			delivered += s.deliveredTotal()
		}
		if delivered >= expected {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// closeAll closes every connection with StatusNormalClosure, 64 at a time;
// those not closed within CloseTimeout are dropped without a handshake.
func (r *run) closeAll() {
	r.stopping.Store(true)
	close(r.stop)
	conns := make(chan *websocket.Conn)
	deadline := time.Now().Add(r.cfg.CloseTimeout)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range conns {
				if time.Now().After(deadline) {
					_ = c.CloseNow()
					continue
				}
				_ = c.Close(websocket.StatusNormalClosure, "")
			}
		}()
	}
	for _, cl := range r.clients {
		if c := cl.conn.Load(); c != nil {
			conns <- c
		}
	}
	close(conns)
	wg.Wait()
}
