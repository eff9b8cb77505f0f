package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/scalebench/scalebench/targets/cachemeter"
	sbredis "github.com/scalebench/scalebench/targets/redis"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/targets/dbmeter"
)

// seedTimeout bounds seeding and the wait for replicas in New.
const seedTimeout = 60 * time.Second

// Handler serves the database endpoints (see the package documentation).
type Handler struct {
	opts   Options
	shards []*shard
	nodes  []*node
	rdb    *goredis.Client // nil: no cache
	mux    *http.ServeMux

	mu   sync.Mutex // guards rnd and zipf
	rnd  *rand.Rand
	zipf *rand.Zipf
}

// User is one row, as GET /user/{id} answers it.
type User struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Score   int64  `json:"score"`
	Version int64  `json:"version"`
}

// New connects to every node, seeds the dataset and waits for the
// replicas to hold it.
func New(ctx context.Context, opts Options) (*Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	shards, nodes, err := newShards(opts)
	if err != nil {
		return nil, err
	}
	h := &Handler{opts: opts, shards: shards, nodes: nodes}
	sctx, cancel := context.WithTimeout(ctx, seedTimeout)
	defer cancel()
	if err := seed(sctx, shards, opts.Rows); err == nil {
		err = waitReplicas(sctx, shards[0], len(ShardKeys(opts.Rows, 0, len(shards))))
		if err != nil {
			h.Close()
			return nil, err
		}
	} else {
		h.Close()
		return nil, err
	}
	if err := warm(sctx, nodes); err != nil {
		h.Close()
		return nil, err
	}
	seedVal := opts.Seed
	if seedVal == 0 {
		seedVal = rand.Uint64()
	}
	h.rnd = rand.New(rand.NewPCG(seedVal, seedVal+1))
	if opts.Popularity == Zipf {
		h.zipf = rand.NewZipf(h.rnd, opts.ZipfS, 1, uint64(opts.Rows-1))
	}
	if opts.Redis != "" {
		h.rdb = sbredis.NewClient(opts.Redis, opts.RedisPoolSize, opts.RedisTimeout)
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /user/{id}", h.getUser)
	h.mux.HandleFunc("POST /user/{id}", h.postUser)
	h.mux.HandleFunc("GET /users/top", h.top)
	h.mux.HandleFunc("GET /db/stats", h.stats)
	return h, nil
}

// Patterns are the routes the handler serves.
func Patterns() []string {
	return []string{"GET /user/{id}", "POST /user/{id}", "GET /users/top", "GET /db/stats"}
}

// ServeHTTP serves the routes of Patterns.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close releases the pools and the Redis client.
func (h *Handler) Close() error {
	for _, n := range h.nodes {
		n.pool.Close()
	}
	if h.rdb != nil {
		return h.rdb.Close()
	}
	return nil
}

// acquire takes a connection from n's pool within the pool timeout and
// sets HeaderWait.
func (h *Handler) acquire(w http.ResponseWriter, ctx context.Context, n *node) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, h.opts.PoolTimeout)
	defer cancel()
	start := time.Now()
	c, err := n.pool.Acquire(actx)
	w.Header().Set(dbmeter.HeaderWait, strconv.FormatInt(time.Since(start).Microseconds(), 10))
	if err != nil {
		return nil, fmt.Errorf("%s: acquire a connection: %w", n.name, err)
	}
	return c, nil
}

// getUser reads one user: from Redis when cached, else from the node the
// shard's read policy picks.
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := h.id(w, r)
	if !ok {
		return
	}
	hd := w.Header()
	hd.Set(dbmeter.HeaderOp, dbmeter.OpRead)
	hd.Set(dbmeter.HeaderKey, strconv.FormatInt(id, 10))
	if h.rdb != nil && h.fromCache(w, r.Context(), id) {
		return
	}
	if h.rdb == nil {
		hd.Set(cachemeter.HeaderCache, cachemeter.Bypass) // read by the cache meter of nocache
	}
	n := h.shards[Route(id, len(h.shards))].reader()
	hd.Set(dbmeter.HeaderNode, n.name)
	u, ok := h.queryUser(w, r, n, readUser, id, func() {
		hd.Set(dbmeter.HeaderReadAt, strconv.FormatInt(time.Now().UnixNano(), 10))
	})
	if !ok {
		return
	}
	hd.Set(dbmeter.HeaderVersion, strconv.FormatInt(u.Version, 10))
	// The cache-aside topologies' own figures (DB calls, DB wait).
	hd.Set(cachemeter.HeaderDBCall, "1")
	hd.Set(cachemeter.HeaderDBWait, hd.Get(dbmeter.HeaderWait))
	body, _ := json.Marshal(u)
	if h.rdb != nil {
		// Cache-aside: a failed SET only costs a later miss.
		_ = h.rdb.Set(r.Context(), cacheKey(id), body, h.opts.TTL).Err()
	}
	writeJSON(w, body)
}

// postUser bumps the user's score and version on its primary; with a
// cache it deletes the cached entry afterwards.
func (h *Handler) postUser(w http.ResponseWriter, r *http.Request) {
	id, ok := h.id(w, r)
	if !ok {
		return
	}
	n := h.shards[Route(id, len(h.shards))].primary
	hd := w.Header()
	hd.Set(dbmeter.HeaderOp, dbmeter.OpWrite)
	hd.Set(dbmeter.HeaderKey, strconv.FormatInt(id, 10))
	hd.Set(dbmeter.HeaderNode, n.name)
	u, ok := h.queryUser(w, r, n, "UPDATE users SET score = score + 1, version = version + 1, updated_at = now() WHERE id = $1 RETURNING id, name, email, score, version", id, func() {})
	if !ok {
		return
	}
	if h.rdb != nil {
		if err := h.rdb.Del(r.Context(), cacheKey(id)).Err(); err != nil {
			http.Error(w, "db: cache invalidation: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	hd.Set(dbmeter.HeaderVersion, strconv.FormatInt(u.Version, 10))
	body, _ := json.Marshal(u)
	writeJSON(w, body)
}

// queryOK writes the error response for a failed query (404 for no row).
// queryUser runs query with id on node n and scans the user row it
// returns; acquired runs once a connection is held, just before the
// query. False when it has already answered w (no connection, or the
// query failed).
func (h *Handler) queryUser(w http.ResponseWriter, r *http.Request, n *node, query string, id int64, acquired func()) (User, bool) {
	c, err := h.acquire(w, r.Context(), n)
	if err != nil {
		http.Error(w, "db: "+err.Error(), http.StatusServiceUnavailable)
		return User{}, false
	}
	defer c.Release()
	acquired()
	var u User
	err = c.QueryRow(r.Context(), query, id).Scan(&u.ID, &u.Name, &u.Email, &u.Score, &u.Version)
	return u, h.queryOK(w, n, err)
}

func (h *Handler) queryOK(w http.ResponseWriter, n *node, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, pgx.ErrNoRows):
		http.Error(w, "no such user", http.StatusNotFound)
	default:
		http.Error(w, fmt.Sprintf("db: %s: %v", n.name, err), http.StatusServiceUnavailable)
	}
	return false
}

// id parses {id}, drawing one for "random"; it answers 404 itself.
func (h *Handler) id(w http.ResponseWriter, r *http.Request) (int64, bool) {
	s := r.PathValue("id")
	if s == "random" {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.zipf != nil {
			return int64(h.zipf.Uint64()), true
		}
		return h.rnd.Int64N(int64(h.opts.Rows)), true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		http.Error(w, fmt.Sprintf("user %q: want /user/{id} with a number, or /user/random", s), http.StatusNotFound)
		return 0, false
	}
	return id, true
}

func cacheKey(id int64) string { return "pguser:" + strconv.FormatInt(id, 10) }

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	_, _ = w.Write([]byte("\n"))
}
