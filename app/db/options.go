package db

import (
	"errors"
	"fmt"
	"time"
)

// Values of Options.ReadFrom.
const (
	ReadReplicas = "replicas"
	ReadPrimary  = "primary"
	ReadAll      = "all"
)

// Popularities of /user/random.
const (
	Uniform = "uniform"
	Zipf    = "zipf"
)

// Options configure a Handler; each field maps to one `scalebench serve`
// flag (named in brackets). Start from DefaultOptions.
type Options struct {
	// Primaries are the connection strings of the primaries, one per
	// shard (one: not sharded) [--pg-primary, repeated].
	Primaries []string
	// Replicas are streaming replicas of the first primary [--pg-replica,
	// repeated].
	Replicas []string
	// ReadFrom is where reads go when there are replicas: ReadReplicas
	// (default), ReadPrimary or ReadAll [--pg-read-from].
	ReadFrom string
	// Rows is the number of seeded users [--pg-rows].
	Rows int
	// PoolSize is the connections per node in this instance's pools
	// [--pg-pool].
	PoolSize int
	// PoolTimeout bounds the wait for a pooled connection; past it the
	// request fails with 503 [--pg-pool-timeout].
	PoolTimeout time.Duration
	// Popularity of the ids /user/random draws: Zipf (default) or
	// Uniform [--popularity]; ZipfS is Zipf's s [--zipf-s].
	Popularity string
	ZipfS      float64
	// Redis, when set, puts a cache-aside Redis in front of reads
	// [--redis]; TTL is a cached entry's life [--cache-ttl].
	Redis         string
	RedisPoolSize int
	RedisTimeout  time.Duration
	TTL           time.Duration
	// Seed makes id draws reproducible (0: random).
	Seed uint64
}

// Defaults.
const (
	DefaultRows     = 10_000
	DefaultPoolSize = 10
)

// DefaultOptions returns the defaults: 10,000 rows, pools of 10 with a 2 s
// timeout, reads from replicas, Zipf s = 1.1, a 60 s cache TTL.
func DefaultOptions() Options {
	return Options{
		ReadFrom: ReadReplicas, Rows: DefaultRows, PoolSize: DefaultPoolSize, PoolTimeout: 2 * time.Second,
		Popularity: Zipf, ZipfS: 1.1, RedisPoolSize: 32, RedisTimeout: 200 * time.Millisecond, TTL: 60 * time.Second,
	}
}

// Validate returns every problem with o, joined.
func (o Options) Validate() error {
	var errs []error
	if len(o.Primaries) == 0 {
		errs = append(errs, errors.New("db: needs at least one primary (--pg-primary)"))
	}
	if len(o.Primaries) > 1 && len(o.Replicas) > 0 {
		errs = append(errs, errors.New("db: replicas of a sharded database are not supported"))
	}
	switch o.ReadFrom {
	case ReadReplicas, ReadPrimary, ReadAll:
	default:
		errs = append(errs, fmt.Errorf("db: read from %q: want replicas, primary or all", o.ReadFrom))
	}
	if o.Rows < 1 || o.PoolSize < 1 || o.PoolTimeout <= 0 {
		errs = append(errs, fmt.Errorf("db: rows %d, pool %d, pool timeout %s: must be > 0", o.Rows, o.PoolSize, o.PoolTimeout))
	}
	switch o.Popularity {
	case Uniform:
	case Zipf:
		if !(o.ZipfS > 1) {
			errs = append(errs, fmt.Errorf("db: zipf s %g: must be > 1", o.ZipfS))
		}
	default:
		errs = append(errs, fmt.Errorf("db: popularity %q: want uniform or zipf", o.Popularity))
	}
	return errors.Join(errs...)
}
