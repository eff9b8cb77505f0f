package redis_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets/redis"
	"github.com/scalebench/scalebench/targets/redis/redistest"
)

func TestStartStop(t *testing.T) {
	s := redistest.Start(t)
	if s.Port() == 6379 {
		t.Errorf("Port() = 6379, want anything but the system port")
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("Addr() = %q, want 127.0.0.1:PORT", s.Addr())
	}
	if s.Version() == "" {
		t.Errorf("Version() = %q, want a version", s.Version())
	}
	u, err := s.Sample()
	if err != nil {
		t.Fatalf("Sample() error = %v", err)
	}
	if u.RSSBytes == 0 {
		t.Errorf("Sample().RSSBytes = 0, want > 0")
	}
	pid := s.PID()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("second Stop() = %v, want nil", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, kill(%d, 0) = %v, want ESRCH", pid, err)
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() after Stop = %v, want nil", err)
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond); err == nil {
		t.Errorf("dial %s after Stop succeeded, want refused", s.Addr())
	}
}

func TestKillReportsErr(t *testing.T) {
	s := redistest.Start(t)
	if err := s.Err(); err != nil {
		t.Fatalf("Err() before Kill = %v, want nil", err)
	}
	s.Kill()
	select {
	case <-s.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("Done() not closed after Kill")
	}
	if err := s.Err(); err == nil || !strings.Contains(err.Error(), "unexpectedly") {
		t.Errorf("Err() after Kill = %v, want an unexpected exit", err)
	}
}

func TestTempDirRemoved(t *testing.T) {
	if _, err := redis.Find(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redis.Start(ctx, redis.Options{})
	if err != nil {
		t.Fatalf("Start() = %v", err)
	}
	dir := s.Dir()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Stat(%s) after Stop = %v, want not exist", dir, err)
	}
}

func TestStartFailsOnBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redis.Start(ctx, redis.Options{Dir: t.TempDir(), Port: port, StartTimeout: 3 * time.Second})
	if err == nil {
		_ = s.Stop(ctx)
		t.Fatalf("Start on busy port %d succeeded, want an error", port)
	}
	if !strings.Contains(err.Error(), "Address already in use") {
		t.Errorf("Start on busy port: error = %v, want it to quote the log", err)
	}
}

func TestFindMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := redis.Find()
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y redis-server") {
		t.Errorf("Find() with empty PATH = %v, want the install hint", err)
	}
}

// A data folder whose path holds a space, quotes, ';' and a backslash is
// passed to redis-server as one argument: it starts there and logs there.
func TestStartOddDir(t *testing.T) {
	dir := t.TempDir() + `/a b"c;d'e\f`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := redis.Start(ctx, redis.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Start(Dir: %q) = %v", dir, err)
	}
	defer s.Stop(context.Background())
	if _, err := os.Stat(dir + "/redis.log"); err != nil || s.Dir() != dir {
		t.Errorf("Dir() = %q, log: %v; want the odd folder holding redis.log", s.Dir(), err)
	}
}
