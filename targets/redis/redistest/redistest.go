// Package redistest starts a real redis-server for a test and removes it
// when the test ends. A missing binary fails the test with the command
// that installs it; under `go test -short` the test is skipped instead.
package redistest

import (
	"context"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets/redis"
)

// Start starts a redis-server on a free port for t and stops it in
// t.Cleanup.
func Start(t testing.TB) *redis.Server {
	t.Helper()
	if _, err := redis.Find(); err != nil {
		if testing.Short() {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := redis.Start(ctx, redis.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("start redis: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop redis: %v", err)
		}
	})
	return s
}
