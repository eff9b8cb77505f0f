package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scalebench/scalebench/targets/cachemeter"
	sbredis "github.com/scalebench/scalebench/targets/redis"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/app/cache/simdb"
)

// Modes.
const (
	ModeCached  = "cached"
	ModeNoCache = "nocache"
)

// Popularities.
const (
	Uniform = "uniform"
	Zipf    = "zipf"
)

// Options configure a Handler. Start from DefaultOptions; each field maps
// to one `scalebench serve` flag (named in brackets).
type Options struct {
	// Mode is "cached" or "nocache" [--mode].
	Mode string
	// Redis is the Redis address, host:port; required when cached [--redis].
	Redis string
	// RedisPoolSize bounds connections to Redis [--redis-pool].
	RedisPoolSize int
	// RedisTimeout bounds dialing, each read and write, and the wait for a
	// pooled connection [--redis-timeout].
	RedisTimeout time.Duration
	// TTL of a cached entry [--cache-ttl].
	TTL time.Duration
	// Keys is the key-space size for /user/random [--keys].
	Keys int
	// Popularity is "uniform" or "zipf" [--popularity].
	Popularity string
	// ZipfS is Zipf's s (> 1; larger: more skewed) [--zipf-s].
	ZipfS float64
	// DB configures the simulated database [--db-latency, --db-pool,
	// --db-max-wait].
	DB simdb.Options
	// Seed makes id and latency draws reproducible (0: random).
	Seed uint64
	// Prefix is prepended to Redis keys ("user:" by default).
	Prefix string
}

// DefaultOptions returns the defaults: cached, TTL 60s, 10,000 keys, Zipf
// with s = 1.1, a 5 ms database with 10 connections, a Redis pool of 32
// with 200 ms timeouts.
func DefaultOptions() Options {
	return Options{
		Mode:          ModeCached,
		RedisPoolSize: 32,
		RedisTimeout:  200 * time.Millisecond,
		TTL:           60 * time.Second,
		Keys:          10_000,
		Popularity:    Zipf,
		ZipfS:         1.1,
		DB: simdb.Options{
			Latency:  simdb.DefaultLatency,
			PoolSize: simdb.DefaultPoolSize,
			MaxWait:  simdb.DefaultMaxWait,
		},
		Prefix: "user:",
	}
}

// Validate returns every problem with o, joined.
func (o Options) Validate() error {
	var errs []error
	switch o.Mode {
	case ModeCached:
		if o.Redis == "" {
			errs = append(errs, errors.New("cache: mode cached needs a Redis address"))
		}
	case ModeNoCache:
	default:
		errs = append(errs, fmt.Errorf("cache: mode %q: want cached or nocache", o.Mode))
	}
	if o.Keys < 1 {
		errs = append(errs, fmt.Errorf("cache: keys %d: must be ≥ 1", o.Keys))
	}
	switch o.Popularity {
	case Uniform:
	case Zipf:
		if !(o.ZipfS > 1) {
			errs = append(errs, fmt.Errorf("cache: zipf s %g: must be > 1", o.ZipfS))
		}
	default:
		errs = append(errs, fmt.Errorf("cache: popularity %q: want uniform or zipf", o.Popularity))
	}
	if o.TTL < time.Second {
		errs = append(errs, fmt.Errorf("cache: ttl %s: must be ≥ 1s", o.TTL))
	}
	if o.RedisPoolSize < 1 || o.RedisTimeout <= 0 {
		errs = append(errs, errors.New("cache: redis pool size and timeout must be > 0"))
	}
	return errors.Join(errs...)
}

// Handler serves GET /user/{id} and GET /user/random.
type Handler struct {
	opts Options
	db   *simdb.DB
	rdb  *goredis.Client // nil in nocache mode

	mu   sync.Mutex // guards rnd and zipf
	rnd  *rand.Rand
	zipf *rand.Zipf

	hits, misses, bypass, errs, setErrs atomic.Uint64
}

// New returns a Handler for opts. It does not contact Redis: a Redis that
// is down shows as 503 responses, not as a failure to start.
func New(opts Options) (*Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	db, err := simdb.New(opts.DB)
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	h := &Handler{opts: opts, db: db, rnd: rand.New(rand.NewPCG(seed, seed+1))}
	if opts.Popularity == Zipf {
		h.zipf = rand.NewZipf(h.rnd, opts.ZipfS, 1, uint64(opts.Keys-1))
	}
	if opts.Mode == ModeCached {
		h.rdb = sbredis.NewClient(opts.Redis, opts.RedisPoolSize, opts.RedisTimeout)
	}
	return h, nil
}

// Close releases the Redis client.
func (h *Handler) Close() error {
	if h.rdb == nil {
		return nil
	}
	return h.rdb.Close()
}

// DB is the handler's simulated database.
func (h *Handler) DB() *simdb.DB { return h.db }

// ServeHTTP serves GET /user/{id|random}.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	id, err := h.id(r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	hd := w.Header()
	hd.Set(cachemeter.HeaderDBCall, "0")
	hd.Set(cachemeter.HeaderDBWait, "0")
	if h.rdb == nil {
		h.bypass.Add(1)
		hd.Set(cachemeter.HeaderCache, cachemeter.Bypass)
		h.fromDB(w, r.Context(), id)
		return
	}
	key := h.opts.Prefix + strconv.FormatUint(id, 10)
	val, err := h.rdb.Get(r.Context(), key).Result()
	switch {
	case err == nil:
		h.hits.Add(1)
		hd.Set(cachemeter.HeaderCache, cachemeter.Hit)
		writeJSON(w, val)
	case errors.Is(err, goredis.Nil):
		h.misses.Add(1)
		hd.Set(cachemeter.HeaderCache, cachemeter.Miss)
		if val, ok := h.fromDB(w, r.Context(), id); ok {
			// The answer is already written; a failed SET only costs a
			// future miss, so it is counted, not reported to the client.
			if err := h.rdb.Set(r.Context(), key, val, h.opts.TTL).Err(); err != nil {
				h.setErrs.Add(1)
			}
		}
	default:
		h.errs.Add(1)
		hd.Set(cachemeter.HeaderCache, cachemeter.Error)
		http.Error(w, "cache: redis: "+err.Error(), http.StatusServiceUnavailable)
	}
}

// fromDB queries the simulated database, sets the DB headers and writes the
// user (true) or a 503 (false).
func (h *Handler) fromDB(w http.ResponseWriter, ctx context.Context, id uint64) (string, bool) {
	q, err := h.db.Do(ctx)
	w.Header().Set(cachemeter.HeaderDBWait, strconv.FormatInt(q.Wait.Microseconds(), 10))
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return "", false
	}
	w.Header().Set(cachemeter.HeaderDBCall, "1")
	val := user(id)
	writeJSON(w, val)
	return val, true
}

// id parses /user/{id}, drawing the id for /user/random.
func (h *Handler) id(path string) (uint64, error) {
	s := path[strings.LastIndexByte(path, '/')+1:]
	if s == "random" {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.zipf != nil {
			return h.zipf.Uint64(), nil
		}
		return h.rnd.Uint64N(uint64(h.opts.Keys)), nil
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("user %q: want /user/{id} with a number, or /user/random", s)
	}
	return id, nil
}

// user is the database's row for id, as JSON.
func user(id uint64) string {
	return fmt.Sprintf(`{"id":%d,"name":"user-%d","email":"user-%d@example.com"}`, id, id, id)
}

func writeJSON(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(s))
	_, _ = w.Write([]byte("\n"))
}

// Stats are the handler's cumulative counters (server side; the load
// generator measures the same from headers with cachemeter.Meter).
type Stats struct {
	Hits, Misses, Bypass, Errors, SetErrors uint64
	DB                                      simdb.Stats
}

// Stats returns cumulative counters.
func (h *Handler) Stats() Stats {
	return Stats{
		Hits: h.hits.Load(), Misses: h.misses.Load(), Bypass: h.bypass.Load(),
		Errors: h.errs.Load(), SetErrors: h.setErrs.Load(), DB: h.db.Stats(),
	}
}
