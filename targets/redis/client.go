package redis

import (
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// NewClient returns a go-redis client that fails fast: a bounded pool,
// timeouts of d for dialing, reads, writes and the pool wait, and no
// retries (a retry would double the time a dead Redis costs). The
// reference app's Redis-backed endpoints, its queue workers and the
// orchestrator's queue meter all use it.
func NewClient(addr string, pool int, d time.Duration) *goredis.Client {
	return goredis.NewClient(&goredis.Options{
		Addr:            addr,
		PoolSize:        pool,
		DialTimeout:     d,
		ReadTimeout:     d,
		WriteTimeout:    d,
		PoolTimeout:     d,
		MaxRetries:      -1,
		DialerRetries:   1,
		DisableIdentity: true,
	})
}
