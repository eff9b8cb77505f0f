package db

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/targets/cachemeter"
	"github.com/scalebench/scalebench/targets/dbmeter"
)

// topN is how many users GET /users/top answers.
const topN = 10

// fromCache answers a read from Redis when the entry is there (true);
// on a miss it sets the cache header and returns false. A Redis error
// answers 503.
func (h *Handler) fromCache(w http.ResponseWriter, ctx context.Context, id int64) bool {
	hd := w.Header()
	readAt := time.Now().UnixNano()
	val, err := h.rdb.Get(ctx, cacheKey(id)).Bytes()
	switch {
	case err == nil:
		var u User
		if json.Unmarshal(val, &u) != nil {
			return false
		}
		hd.Set(cachemeter.HeaderCache, cachemeter.Hit)
		hd.Set(dbmeter.HeaderNode, "cache")
		hd.Set(dbmeter.HeaderReadAt, strconv.FormatInt(readAt, 10))
		hd.Set(dbmeter.HeaderVersion, strconv.FormatInt(u.Version, 10))
		writeJSON(w, val)
		return true
	case errors.Is(err, goredis.Nil):
		hd.Set(cachemeter.HeaderCache, cachemeter.Miss)
		return false
	default:
		hd.Set(cachemeter.HeaderCache, cachemeter.Error)
		http.Error(w, "cache: redis: "+err.Error(), http.StatusServiceUnavailable)
		return true
	}
}

// top asks every shard for its best scores at once and merges them.
func (h *Handler) top(w http.ResponseWriter, r *http.Request) {
	type part struct {
		users []User
		err   error
		wait  time.Duration
	}
	parts := make([]part, len(h.shards))
	names := make([]string, len(h.shards))
	var wg sync.WaitGroup
	for i, s := range h.shards {
		n := s.reader()
		names[i] = n.name
		wg.Go(func() {
			start := time.Now()
			c, err := n.pool.Acquire(r.Context())
			parts[i].wait = time.Since(start)
			if err != nil {
				parts[i].err = err
				return
			}
			defer c.Release()
			parts[i].users, parts[i].err = topOf(r.Context(), c)
		})
	}
	wg.Wait()
	hd := w.Header()
	hd.Set(dbmeter.HeaderOp, dbmeter.OpScan)
	hd.Set(dbmeter.HeaderNode, strings.Join(names, ","))
	var all []User
	var wait time.Duration
	for _, p := range parts {
		if p.err != nil {
			http.Error(w, "db: top: "+p.err.Error(), http.StatusServiceUnavailable)
			return
		}
		wait = max(wait, p.wait)
		all = append(all, p.users...)
	}
	hd.Set(dbmeter.HeaderWait, strconv.FormatInt(wait.Microseconds(), 10))
	slices.SortFunc(all, func(a, b User) int {
		if a.Score != b.Score {
			return int(b.Score - a.Score)
		}
		return int(a.ID - b.ID)
	})
	body, _ := json.Marshal(all[:min(topN, len(all))])
	writeJSON(w, body)
}

// topOf is one shard's part of GET /users/top.
func topOf(ctx context.Context, c *pgxpool.Conn) ([]User, error) {
	rows, err := c.Query(ctx, "SELECT id, name, email, score, version FROM users ORDER BY score DESC, id LIMIT $1", topN)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (User, error) {
		var u User
		err := row.Scan(&u.ID, &u.Name, &u.Email, &u.Score, &u.Version)
		return u, err
	})
}

// NodeStats are one pool's figures in GET /db/stats.
type NodeStats struct {
	Node             string  `json:"node"`
	Acquires         int64   `json:"acquires"`
	AcquireWaitMS    float64 `json:"acquire_wait_ms"`
	WaitedAcquires   int64   `json:"waited_acquires"`
	CanceledAcquires int64   `json:"canceled_acquires"`
	TotalConns       int32   `json:"total_conns"`
	MaxConns         int32   `json:"max_conns"`
}

// Stats returns each pool's cumulative figures.
func (h *Handler) Stats() []NodeStats {
	out := make([]NodeStats, 0, len(h.nodes))
	for _, n := range h.nodes {
		st := n.pool.Stat()
		out = append(out, NodeStats{
			Node: n.name, Acquires: st.AcquireCount(), AcquireWaitMS: float64(st.AcquireDuration().Microseconds()) / 1000,
			WaitedAcquires: st.EmptyAcquireCount(), CanceledAcquires: st.CanceledAcquireCount(),
			TotalConns: st.TotalConns(), MaxConns: st.MaxConns(),
		})
	}
	return out
}

// stats serves GET /db/stats.
func (h *Handler) stats(w http.ResponseWriter, _ *http.Request) {
	body, _ := json.Marshal(h.Stats())
	writeJSON(w, body)
}
