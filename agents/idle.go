package agents

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// idleClock tracks requests in flight and when the last one ended.
type idleClock struct {
	mu       sync.Mutex
	inFlight int
	last     time.Time
}

// track counts every request through h.
func (c *idleClock) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.inFlight++
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.inFlight--
			c.last = time.Now()
			c.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

// watch returns a context that ends with ctx, or once no request has been
// in flight for limit (never when limit ≤ 0).
func (c *idleClock) watch(ctx context.Context, limit time.Duration) context.Context {
	if limit <= 0 {
		return ctx
	}
	c.mu.Lock()
	c.last = time.Now()
	c.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(min(limit/4, 10*time.Second))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.mu.Lock()
				idle := c.inFlight == 0 && time.Since(c.last) >= limit
				c.mu.Unlock()
				if idle {
					cancel()
					return
				}
			}
		}
	}()
	return ctx
}
