package simdb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a DB. Zero fields take the defaults below.
type Options struct {
	// Latency of one query (default fixed:5ms).
	Latency Latency
	// PoolSize is the number of connections (default 10): at most this
	// many queries run at once, the rest wait.
	PoolSize int
	// MaxWait bounds the wait for a connection (default 2s); past it the
	// query fails with ErrPoolTimeout, like a pool's acquire timeout.
	MaxWait time.Duration
	// Seed makes latency draws reproducible (0: random).
	Seed uint64
}

// Defaults.
const (
	DefaultPoolSize = 10
	DefaultMaxWait  = 2 * time.Second
)

// DefaultLatency is 5 ms, fixed.
var DefaultLatency = Latency{Kind: "fixed", A: 5 * time.Millisecond}

// ErrPoolTimeout is returned when no connection became free within
// Options.MaxWait.
var ErrPoolTimeout = errors.New("simdb: timed out waiting for a connection")

// DB is a simulated database. It is safe for concurrent use.
type DB struct {
	opts  Options
	conns chan struct{} // a token per free connection

	mu  sync.Mutex // guards rnd
	rnd *rand.Rand

	calls, timeouts atomic.Uint64
	waitNs          atomic.Int64
}

// Query is what one call cost.
type Query struct {
	// Wait is the time spent waiting for a connection.
	Wait time.Duration
	// Service is the time the query held the connection.
	Service time.Duration
}

// Stats are cumulative figures since New.
type Stats struct {
	// Calls is the number of queries that got a connection.
	Calls uint64
	// Timeouts is the number that gave up waiting (ErrPoolTimeout).
	Timeouts uint64
	// Wait is the total time spent waiting for a connection.
	Wait time.Duration
	// InUse is the number of connections busy now.
	InUse int
}

// New returns a DB with opts (zero fields defaulted).
func New(opts Options) (*DB, error) {
	if opts.Latency.Kind == "" {
		opts.Latency = DefaultLatency
	}
	if err := opts.Latency.Validate(); err != nil {
		return nil, err
	}
	if opts.PoolSize == 0 {
		opts.PoolSize = DefaultPoolSize
	}
	if opts.PoolSize < 0 {
		return nil, fmt.Errorf("simdb: pool size %d: must be ≥ 1", opts.PoolSize)
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	db := &DB{
		opts:  opts,
		conns: make(chan struct{}, opts.PoolSize),
		rnd:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	for range opts.PoolSize {
		db.conns <- struct{}{}
	}
	return db, nil
}

// Options returns the options in effect (defaults filled in).
func (db *DB) Options() Options { return db.opts }

// Do runs one query: waits for a free connection (at most MaxWait, or
// until ctx ends), holds it for a latency drawn from the distribution,
// and releases it. The returned Query is filled even on error.
func (db *DB) Do(ctx context.Context) (Query, error) {
	var q Query
	start := time.Now()
	t := time.NewTimer(db.opts.MaxWait)
	defer t.Stop()
	select {
	case <-db.conns:
	case <-t.C:
		q.Wait = time.Since(start)
		db.waitNs.Add(int64(q.Wait))
		db.timeouts.Add(1)
		return q, ErrPoolTimeout
	case <-ctx.Done():
		q.Wait = time.Since(start)
		db.waitNs.Add(int64(q.Wait))
		return q, fmt.Errorf("simdb: wait for a connection: %w", ctx.Err())
	}
	defer func() { db.conns <- struct{}{} }()
	got := time.Now()
	q.Wait = got.Sub(start)
	db.waitNs.Add(int64(q.Wait))
	db.calls.Add(1)
	db.mu.Lock()
	d := db.opts.Latency.Draw(db.rnd)
	db.mu.Unlock()
	t.Reset(d)
	select {
	case <-t.C:
	case <-ctx.Done():
		q.Service = time.Since(got)
		return q, fmt.Errorf("simdb: query: %w", ctx.Err())
	}
	q.Service = time.Since(got)
	return q, nil
}

// Stats returns cumulative figures.
func (db *DB) Stats() Stats {
	return Stats{
		Calls:    db.calls.Load(),
		Timeouts: db.timeouts.Load(),
		Wait:     time.Duration(db.waitNs.Load()),
		InUse:    db.opts.PoolSize - len(db.conns),
	}
}
