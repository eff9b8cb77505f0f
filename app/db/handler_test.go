package db_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalebench/scalebench/app/db"
	"github.com/scalebench/scalebench/targets/dbmeter"
	"github.com/scalebench/scalebench/targets/postgres"
	"github.com/scalebench/scalebench/targets/postgres/pgtest"
)

func newHandler(t *testing.T, o db.Options) *db.Handler {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := db.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func do(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("%s %s = %d %s", method, path, w.Code, w.Body)
	}
	return w
}

// TestReplicasServeReadsPrimaryTakesWrites: reads go to the replica,
// writes to the primary and bump the version, which the replica then
// shows.
func TestReplicasServeReadsPrimaryTakesWrites(t *testing.T) {
	p := pgtest.Start(t, postgres.Options{})
	r := pgtest.Start(t, postgres.Options{Primary: p.Addr()})
	o := db.DefaultOptions()
	o.Primaries, o.Replicas, o.Rows = []string{p.DSN()}, []string{r.DSN()}, 500
	h := newHandler(t, o)

	w := do(t, h, "GET", "/user/5")
	if got := w.Header().Get(dbmeter.HeaderNode); got != "replica-1" {
		t.Errorf("read served by %q, want replica-1", got)
	}
	if got := w.Header().Get(dbmeter.HeaderVersion); got != "1" {
		t.Errorf("seeded version = %q, want 1", got)
	}
	w = do(t, h, "POST", "/user/5")
	if n, v := w.Header().Get(dbmeter.HeaderNode), w.Header().Get(dbmeter.HeaderVersion); n != "primary" || v != "2" {
		t.Errorf("write: node %q version %q, want primary 2", n, v)
	}
	deadline := time.Now().Add(10 * time.Second)
	for do(t, h, "GET", "/user/5").Header().Get(dbmeter.HeaderVersion) != "2" {
		if time.Now().After(deadline) {
			t.Fatal("the replica never showed version 2")
		}
		time.Sleep(10 * time.Millisecond)
	}
	do(t, h, "GET", "/user/random")
	do(t, h, "GET", "/db/stats")

	// read_from: primary sends every read to the primary; all spreads
	// them over the primary and the replica.
	for _, c := range []struct {
		from string
		want map[string]bool
	}{{db.ReadPrimary, map[string]bool{"primary": true}}, {db.ReadAll, map[string]bool{"primary": true, "replica-1": true}}} {
		o.ReadFrom = c.from
		h := newHandler(t, o)
		got := map[string]bool{}
		for range 4 {
			got[do(t, h, "GET", "/user/7").Header().Get(dbmeter.HeaderNode)] = true
		}
		if len(got) != len(c.want) || !got["primary"] || (c.want["replica-1"] && !got["replica-1"]) {
			t.Errorf("read_from %s: reads served by %v, want %v", c.from, got, c.want)
		}
	}
}

// TestShardsHoldTheirKeysAndTopMerges: each shard holds the keys Route
// gives it, and /users/top merges every shard's best.
func TestShardsHoldTheirKeysAndTopMerges(t *testing.T) {
	a := pgtest.Start(t, postgres.Options{})
	b := pgtest.Start(t, postgres.Options{})
	o := db.DefaultOptions()
	o.Primaries, o.Rows = []string{a.DSN(), b.DSN()}, 1000
	h := newHandler(t, o)
	ctx := context.Background()
	for i, s := range []*postgres.Server{a, b} {
		c, err := pgx.Connect(ctx, s.DSN())
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			t.Fatal(err)
		}
		_ = c.Close(ctx)
		if want := len(db.ShardKeys(1000, i, 2)); n != want {
			t.Errorf("shard %d holds %d rows, want %d", i+1, n, want)
		}
	}
	// A key of shard 2 is written and read there.
	key := db.ShardKeys(1000, 1, 2)[0]
	path := "/user/" + itoa(key)
	if n := do(t, h, "POST", path).Header().Get(dbmeter.HeaderNode); n != "shard-2" {
		t.Errorf("write of key %d went to %q, want shard-2", key, n)
	}
	w := do(t, h, "GET", "/users/top")
	if n := w.Header().Get(dbmeter.HeaderNode); n != "shard-1,shard-2" {
		t.Errorf("top asked %q, want shard-1,shard-2", n)
	}
	var top []db.User
	if err := json.Unmarshal(w.Body.Bytes(), &top); err != nil || len(top) != 10 {
		t.Fatalf("top = %s (%v), want 10 users", w.Body, err)
	}
	for i := 1; i < len(top); i++ {
		if top[i].Score > top[i-1].Score {
			t.Errorf("top not sorted: %v", top)
		}
	}
	if top[0].Score != 999 {
		t.Errorf("best score = %d, want 999 (seeded scores are 0…999)", top[0].Score)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }
