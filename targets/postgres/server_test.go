package postgres_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalebench/scalebench/targets/postgres"
	"github.com/scalebench/scalebench/targets/postgres/pgtest"
)

// TestPrimaryAndReplica starts a primary and a streaming replica, checks
// a row written on the primary reaches the replica, and that Stop leaves
// no process and no folder behind.
func TestPrimaryAndReplica(t *testing.T) {
	primary := pgtest.Start(t, postgres.Options{})
	replica := pgtest.Start(t, postgres.Options{Primary: primary.Addr()})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	exec(t, ctx, primary.DSN(), "CREATE TABLE t (v int); INSERT INTO t VALUES (42)")
	var got int
	for {
		c, err := pgx.Connect(ctx, replica.DSN())
		if err != nil {
			t.Fatal(err)
		}
		err = c.QueryRow(ctx, "SELECT v FROM t").Scan(&got)
		_ = c.Close(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("row never reached the replica: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got != 42 {
		t.Errorf("replica read %d, want 42", got)
	}
	if s := primary.Settings(); s["fsync"] != "off" || s["wal_level"] != "replica" {
		t.Errorf("Settings() = %v, want fsync off, wal_level replica", s)
	}
	if !strings.HasPrefix(primary.Version(), "15") {
		t.Errorf("Version() = %q, want 15.x", primary.Version())
	}
	var state string
	c, err := pgx.Connect(ctx, primary.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, "SELECT state FROM pg_stat_replication").Scan(&state); err != nil || state != "streaming" {
		t.Errorf("pg_stat_replication state = %q (%v), want streaming", state, err)
	}
	for _, s := range []*postgres.Server{replica, primary} {
		pid, dir := s.PID(), s.Dir()
		if err := s.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(-pid, 0); err == nil {
			t.Errorf("process group %d still alive after Stop", pid)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("work folder %s still there after Stop (%v)", dir, err)
		}
	}
}

// TestCrashIsReported kills a server and expects Err to say so.
func TestCrashIsReported(t *testing.T) {
	s := pgtest.Start(t, postgres.Options{})
	s.Kill()
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "exited unexpectedly") {
		t.Errorf("Err() after Kill = %v, want an unexpected exit", err)
	}
}

// TestMissingBinaries names the install command.
func TestMissingBinaries(t *testing.T) {
	_, err := postgres.Start(context.Background(), postgres.Options{BinDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), postgres.InstallHint) {
		t.Errorf("Start with no binaries = %v, want the install hint", err)
	}
}

func exec(t *testing.T, ctx context.Context, dsn, sql string) {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// TestSweepRemovesOnlyDeadOldFolders: a stale folder goes, a fresh one
// and one with a live postmaster stay.
func TestSweepRemovesOnlyDeadOldFolders(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	mk := func(pid string) string {
		d, err := os.MkdirTemp("", "scalebench-pg-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(d) })
		if pid != "" {
			if err := os.MkdirAll(d+"/data", 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(d+"/data/postmaster.pid", []byte(pid+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	dead, live, fresh := mk("2147483"), mk(strconv.Itoa(os.Getpid())), mk("")
	for _, d := range []string{dead, live} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	postgres.Sweep()
	for d, want := range map[string]bool{dead: false, live: true, fresh: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("after Sweep, %s exists = %v, want %v", d, err == nil, want)
		}
	}
}

// TestReplicaCloneCancelled: a clone cut short by its context (here a
// timeout too short for pg_basebackup) returns promptly and leaves no
// pg_basebackup process (its WAL-streaming child included).
func TestReplicaCloneCancelled(t *testing.T) {
	primary := pgtest.Start(t, postgres.Options{})
	start := time.Now()
	_, err := postgres.Start(context.Background(), postgres.Options{Primary: primary.Addr(), StartTimeout: 50 * time.Millisecond})
	if err == nil {
		t.Skip("the clone finished within 50 ms; nothing to cancel")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Start returned %v after its deadline, want promptly", took)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := basebackups()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pg_basebackup processes left: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// basebackups lists live pg_basebackup processes cloning from this test's
// temporary folders.
func basebackups() []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), "pg_basebackup") && strings.Contains(string(b), "scalebench-pg-") {
			out = append(out, e.Name())
		}
	}
	return out
}
