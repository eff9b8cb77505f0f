package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/app/cache/simdb"
)

// featureFlags are `serve`'s flags for the Redis-backed endpoints (the
// shared --redis flag is declared in serve.go)
// (cache-aside, queue, sessions); defaults come from app.DefaultFeatures.
func featureFlags() []cli.Flag {
	d := app.DefaultFeatures()
	return append(serviceFlags(), []cli.Flag{
		&cli.StringFlag{Name: "mode", Value: app.ModeBasic, Usage: "endpoints to serve: " + strings.Join(app.Modes, "|")},
		&cli.IntFlag{Name: "redis-pool", Value: d.Cache.RedisPoolSize, Usage: "Redis connection pool size"},
		&cli.DurationFlag{Name: "redis-timeout", Value: d.Cache.RedisTimeout, Usage: "Redis dial/read/write/pool timeout"},
		&cli.StringFlag{Name: "db-latency", Value: d.Cache.DB.Latency.String(), Usage: "simulated database query latency, e.g. fixed:5ms"},
		&cli.IntFlag{Name: "db-pool", Value: d.Cache.DB.PoolSize, Usage: "simulated database connections per instance"},
		&cli.DurationFlag{Name: "db-max-wait", Value: d.Cache.DB.MaxWait, Usage: "longest wait for a database connection"},
		&cli.IntFlag{Name: "keys", Value: d.Cache.Keys, Usage: "key space of /user/random"},
		&cli.StringFlag{Name: "popularity", Value: d.Cache.Popularity, Usage: "key popularity: zipf|uniform"},
		&cli.Float64Flag{Name: "zipf-s", Value: d.Cache.ZipfS, Usage: "Zipf s (> 1)"},
		&cli.DurationFlag{Name: "cache-ttl", Value: d.Cache.TTL, Usage: "TTL of a cached entry"},
		&cli.IntFlag{Name: "queue-max-depth", Value: d.Queue.MaxDepth, Usage: "refuse jobs (503) beyond this depth (0: unbounded)"},
		&cli.StringFlag{Name: "queue-prefix", Value: d.Queue.Prefix, Usage: "Redis key prefix of the queue"},
		&cli.StringFlag{Name: "queue-group", Value: d.Queue.Group, Usage: "consumer group of the queue"},
		&cli.StringFlag{Name: "job-work", Value: d.Queue.Work, Usage: "default job work: cpu|io"},
		&cli.DurationFlag{Name: "job-duration", Value: d.Queue.Duration, Usage: "default job duration"},
		&cli.StringFlag{Name: "session-store", Value: d.Sessions.Store, Usage: "session store: memory|redis"},
		&cli.DurationFlag{Name: "session-ttl", Value: d.Sessions.TTL, Usage: "session lifetime"},
		&cli.StringSliceFlag{Name: "pg-primary", Usage: "PostgreSQL primary `DSN`, one per shard (repeat for shards)"},
		&cli.StringSliceFlag{Name: "pg-replica", Usage: "PostgreSQL streaming replica `DSN` of the first primary (repeat)"},
		&cli.StringFlag{Name: "pg-read-from", Value: d.DB.ReadFrom, Usage: "where reads go with replicas: replicas|primary|all"},
		&cli.IntFlag{Name: "pg-rows", Value: d.DB.Rows, Usage: "users seeded (ids 0 … N-1)"},
		&cli.IntFlag{Name: "pg-pool", Value: d.DB.PoolSize, Usage: "pgx pool size per PostgreSQL node"},
		&cli.DurationFlag{Name: "pg-pool-timeout", Value: d.DB.PoolTimeout, Usage: "longest wait for a pooled PostgreSQL connection"},
	}...)
}

// featuresFrom reads featureFlags.
func featuresFrom(c *cli.Context) (app.Features, error) {
	f := app.DefaultFeatures()
	f.Mode = c.String("mode")
	lat, err := simdb.ParseLatency(c.String("db-latency"))
	if err != nil {
		return f, fmt.Errorf("--db-latency: %w", err)
	}
	redis, pool, timeout := c.String("redis"), c.Int("redis-pool"), c.Duration("redis-timeout")
	f.Cache.Redis, f.Cache.RedisPoolSize, f.Cache.RedisTimeout = redis, pool, timeout
	f.Cache.DB.Latency, f.Cache.DB.PoolSize, f.Cache.DB.MaxWait = lat, c.Int("db-pool"), c.Duration("db-max-wait")
	f.Cache.Keys, f.Cache.Popularity, f.Cache.ZipfS, f.Cache.TTL = c.Int("keys"), c.String("popularity"), c.Float64("zipf-s"), c.Duration("cache-ttl")
	f.Queue.Redis, f.Queue.RedisPoolSize, f.Queue.RedisTimeout = redis, pool, timeout
	f.Queue.MaxDepth, f.Queue.Prefix, f.Queue.Group = c.Int("queue-max-depth"), c.String("queue-prefix"), c.String("queue-group")
	f.Queue.Work, f.Queue.Duration = c.String("job-work"), c.Duration("job-duration")
	f.Sessions.Redis, f.Sessions.RedisPoolSize, f.Sessions.RedisTimeout = redis, pool, timeout
	f.Sessions.Store, f.Sessions.TTL = c.String("session-store"), c.Duration("session-ttl")
	f.DB.Primaries, f.DB.Replicas, f.DB.ReadFrom = c.StringSlice("pg-primary"), c.StringSlice("pg-replica"), c.String("pg-read-from")
	f.DB.Rows, f.DB.PoolSize, f.DB.PoolTimeout = c.Int("pg-rows"), c.Int("pg-pool"), c.Duration("pg-pool-timeout")
	f.DB.Popularity, f.DB.ZipfS, f.DB.TTL = c.String("popularity"), c.Float64("zipf-s"), c.Duration("cache-ttl")
	f.DB.RedisPoolSize, f.DB.RedisTimeout = pool, timeout
	f.Service, err = serviceFrom(c)
	return f, err
}
