package wsload

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/app/ws"
)

// instance is one reference-app /ws server on loopback that a test can
// kill abruptly (every TCP connection dropped, no close frame).
type instance struct {
	URL string
	ws  *ws.Server
	srv *http.Server
	ln  *trackingListener
}

func startInstance(t *testing.T, name string, adapter ws.Adapter) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := &trackingListener{Listener: ln}
	s := ws.New(ws.Options{Instance: name, Adapter: adapter})
	mux := http.NewServeMux()
	mux.Handle("/ws", s)
	in := &instance{URL: "ws://" + ln.Addr().String() + "/ws", ws: s, srv: &http.Server{Handler: mux}, ln: tl}
	go func() { _ = in.srv.Serve(tl) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = in.srv.Shutdown(ctx)
		_ = in.ws.Close(ctx)
	})
	return in
}

// kill drops the listener and every connection, like kill -9.
func (in *instance) kill() {
	_ = in.ln.Close()
	in.ln.closeAll()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = in.ws.Close(ctx)
}

type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // RST, as a dead process's kernel would
		}
		_ = c.Close()
	}
}

// startRedis runs a real redis-server on a free loopback port.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found on PATH: apt-get install -y redis-server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	port := addr[strings.LastIndex(addr, ":")+1:]
	_ = ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return addr
		}
		if i == 100 {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redis-server on %s did not answer: %s", addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newRedisAdapter(t *testing.T, addr string) ws.Adapter {
	t.Helper()
	a, err := ws.NewRedis(context.Background(), ws.RedisOptions{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// checkAccounting asserts the invariants every step must satisfy.
func checkAccounting(t *testing.T, res *Result) {
	t.Helper()
	for _, s := range res.Steps {
		w := s.WebSocket
		if w.Delivered+w.Missing != w.DeliveriesExpected {
			t.Errorf("step %d: delivered %d + missing %d = %d, want expected %d", s.Index, w.Delivered, w.Missing, w.Delivered+w.Missing, w.DeliveriesExpected)
		}
		if w.Delivered+w.Duplicates+w.Unexpected != w.Received {
			t.Errorf("step %d: delivered %d + duplicates %d + unexpected %d = %d, want received %d", s.Index, w.Delivered, w.Duplicates, w.Unexpected, w.Delivered+w.Duplicates+w.Unexpected, w.Received)
		}
	}
}

func runLoad(t *testing.T, cfg Config) *Result {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := g.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	checkAccounting(t, res)
	return res
}

func describe(s StepResult) string {
	w := s.WebSocket
	return fmt.Sprintf("sent %d expected %d delivered %d missing %d dup %d unexpected %d ooo %d ratio %.4f disconnects %d reconnect failures %d fanout p50 %.2fms p99 %.2fms",
		w.MessagesSent, w.DeliveriesExpected, w.Delivered, w.Missing, w.Duplicates, w.Unexpected, w.OutOfOrder,
		w.DeliveryRatio, w.Disconnects, w.ReconnectFailures, w.FanoutLatency.P50, w.FanoutLatency.P99)
}
