package sessions

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Store keeps sessions.
type Store interface {
	// Set stores user under id for ttl.
	Set(ctx context.Context, id, user string, ttl time.Duration) error
	// Get returns the user of session id; ok is false when it is unknown
	// or expired.
	Get(ctx context.Context, id string) (user string, ok bool, err error)
}

// Memory is a Store in this process's memory, bounded to Max sessions
// (the oldest-expiring are not tracked: when full, expired ones are
// swept, and if none expired an arbitrary one is dropped).
type Memory struct {
	// Max bounds the number of sessions (default 1,000,000).
	Max int

	mu sync.Mutex
	m  map[string]memEntry
}

type memEntry struct {
	user    string
	expires time.Time
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{Max: 1_000_000, m: map[string]memEntry{}} }

// Set implements Store.
func (s *Memory) Set(_ context.Context, id, user string, ttl time.Duration) error {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.Max {
		for k, e := range s.m {
			if now.After(e.expires) {
				delete(s.m, k)
			}
		}
		for k := range s.m {
			if len(s.m) < s.Max {
				break
			}
			delete(s.m, k)
		}
	}
	s.m[id] = memEntry{user: user, expires: now.Add(ttl)}
	return nil
}

// Get implements Store.
func (s *Memory) Get(_ context.Context, id string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[id]
	if !ok || time.Now().After(e.expires) {
		return "", false, nil
	}
	return e.user, true, nil
}

// Redis is a Store in Redis, shared by every replica.
type Redis struct {
	rdb    *goredis.Client
	prefix string
}

// NewRedis returns a Store using rdb with keys prefix+id ("":
// "sb:session:").
func NewRedis(rdb *goredis.Client, prefix string) *Redis {
	if prefix == "" {
		prefix = "sb:session:"
	}
	return &Redis{rdb: rdb, prefix: prefix}
}

// Set implements Store.
func (s *Redis) Set(ctx context.Context, id, user string, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.prefix+id, user, ttl).Err(); err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	return nil
}

// Get implements Store.
func (s *Redis) Get(ctx context.Context, id string) (string, bool, error) {
	u, err := s.rdb.Get(ctx, s.prefix+id).Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("session store: %w", err)
	}
	return u, true, nil
}
