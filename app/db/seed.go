package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// seedLock is the advisory lock id under which instances seed.
const seedLock = 0x5CA1E

const schema = `CREATE TABLE IF NOT EXISTS users (
	id bigint PRIMARY KEY,
	name text NOT NULL,
	email text NOT NULL,
	score bigint NOT NULL,
	version bigint NOT NULL DEFAULT 1,
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS users_score ON users (score DESC, id)`

const seedRows = `INSERT INTO users (id, name, email, score)
SELECT k, 'user-' || k, 'user-' || k || '@example.com', (k * 7919) % 1000
FROM unnest($1::bigint[]) AS k`

// seed creates the table on every primary and inserts the rows Route
// puts there, once however many instances start together.
func seed(ctx context.Context, shards []*shard, rows int) error {
	for i, s := range shards {
		if err := seedShard(ctx, s.primary, ShardKeys(rows, i, len(shards))); err != nil {
			return fmt.Errorf("db: seed %s: %w", s.primary.name, err)
		}
	}
	return nil
}

// seedShard seeds one primary on a connection of its own, closed at the
// end: a backend flushes its statistics when it exits, whereas a pooled
// one kept open holds them up to 10 s and the seed's 10,000 inserts
// showed up as writes of a measured step.
func seedShard(ctx context.Context, n *node, keys []int64) error {
	conn, err := pgx.ConnectConfig(ctx, n.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // nothing left to do
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it does nothing
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", seedLock); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, schema); err != nil {
		return err
	}
	// Another instance seeded already (in one transaction: all rows or
	// none): skip. A plain INSERT, not ON CONFLICT, whose arbiter-index
	// checks would count as index scans — reads, in the node figures of
	// the first step, since PostgreSQL flushes idle backends' counters
	// seconds later.
	var have int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&have); err != nil {
		return err
	}
	if have == 0 {
		if _, err := tx.Exec(ctx, seedRows, keys); err != nil {
			return err
		}
		// Statistics now, as after any bulk load: otherwise autovacuum
		// analyzes the fresh table during the first measured step, on
		// the node's CPU budget.
		if _, err := tx.Exec(ctx, "ANALYZE users"); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// waitReplicas waits until every replica of the first shard holds the
// seeded rows, so an instance that answers its health check also answers
// reads.
func waitReplicas(ctx context.Context, s *shard, rows int) error {
	for _, n := range s.reads {
		if n == s.primary {
			continue
		}
		for {
			var got int
			err := n.pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&got)
			if err == nil && got >= rows {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("db: %s never caught up with the seed (%d of %d rows, last error %v): %w", n.name, got, rows, err, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
