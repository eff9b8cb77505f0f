// Package pgtest starts real PostgreSQL servers for a test and stops them
// when the test ends. A missing server fails the test with the command
// that installs it.
package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets/postgres"
)

// Start starts a server (a primary, or a replica of opts.Primary) for t
// and stops it in t.Cleanup.
func Start(t testing.TB, opts postgres.Options) *postgres.Server {
	t.Helper()
	if _, err := postgres.Find(opts.BinDir); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop postgres: %v", err)
		}
	})
	return s
}
