package db

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// node is one PostgreSQL server and this instance's pool to it.
type node struct {
	name string
	pool *pgxpool.Pool
}

// shard is a primary and the nodes its reads may go to.
type shard struct {
	primary *node
	reads   []*node
	next    atomic.Uint64
}

// reader picks the node for the next read (round-robin).
func (s *shard) reader() *node {
	if len(s.reads) == 1 {
		return s.reads[0]
	}
	return s.reads[s.next.Add(1)%uint64(len(s.reads))]
}

// newNode opens a pool (no connection yet) to dsn.
func newNode(name, dsn string, size int) (*node, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: %s: %w", name, err)
	}
	cfg.MaxConns = int32(size)
	cfg.MinConns = int32(size) // kept open once warm opened them
	cfg.HealthCheckPeriod = time.Minute
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("db: %s: %w", name, err)
	}
	return &node{name: name, pool: pool}, nil
}

// readUser is the query of GET /user/{id}.
const readUser = "SELECT id, name, email, score, version FROM users WHERE id = $1"

// warm opens every connection of every pool and runs the read once on
// each, so that the first measured requests do not pay for backend
// start-up and cold catalog caches (a few ms of CPU per connection: most
// of a second on a node with a tenth of a core). A production pool is
// warm.
func warm(ctx context.Context, nodes []*node) error {
	for _, n := range nodes {
		conns := make([]*pgxpool.Conn, 0, n.pool.Config().MaxConns)
		var err error
		for range cap(conns) {
			var c *pgxpool.Conn
			if c, err = n.pool.Acquire(ctx); err != nil {
				break
			}
			conns = append(conns, c)
			if _, err = c.Exec(ctx, readUser, 0); err != nil {
				break
			}
		}
		for _, c := range conns {
			c.Release()
		}
		if err != nil {
			return fmt.Errorf("db: warm the pool to %s: %w", n.name, err)
		}
	}
	return nil
}

// newShards builds the shards of o: node names are "primary" and
// "replica-N", or "shard-N" when sharded.
func newShards(o Options) ([]*shard, []*node, error) {
	var shards []*shard
	var all []*node
	fail := func(err error) ([]*shard, []*node, error) {
		for _, n := range all {
			n.pool.Close()
		}
		return nil, nil, err
	}
	for i, dsn := range o.Primaries {
		name := "primary"
		if len(o.Primaries) > 1 {
			name = fmt.Sprintf("shard-%d", i+1)
		}
		p, err := newNode(name, dsn, o.PoolSize)
		if err != nil {
			return fail(err)
		}
		all = append(all, p)
		shards = append(shards, &shard{primary: p, reads: []*node{p}})
	}
	var replicas []*node
	for i, dsn := range o.Replicas {
		r, err := newNode(fmt.Sprintf("replica-%d", i+1), dsn, o.PoolSize)
		if err != nil {
			return fail(err)
		}
		all, replicas = append(all, r), append(replicas, r)
	}
	if len(replicas) > 0 {
		switch o.ReadFrom {
		case ReadReplicas:
			shards[0].reads = replicas
		case ReadAll:
			shards[0].reads = append([]*node{shards[0].primary}, replicas...)
		}
	}
	return shards, all, nil
}
