package wsload

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets/app/ws"
)

// TestMain lets the test binary act as the target server in its own
// process (WSLOAD_SERVE=1), so the generator's memory is measured alone.
func TestMain(m *testing.M) {
	if os.Getenv("WSLOAD_SERVE") == "1" {
		serve()
		return
	}
	os.Exit(m.Run())
}

// serve runs a reference /ws server until stdin closes.
func serve() {
	if err := raiseFileLimit(20000); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := ws.New(ws.Options{Instance: "mem"})
	mux := http.NewServeMux()
	mux.Handle("/ws", s)
	go func() { _ = http.Serve(ln, mux) }()
	fmt.Println(ln.Addr().String())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // parent closes stdin
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.Close(ctx)
}

func startServerProcess(tb testing.TB) string {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WSLOAD_SERVE=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("server process: %v", err)
	}
	return "ws://" + strings.TrimSpace(addr) + "/ws"
}

// footprint is the generator process's memory at one moment.
type footprint struct {
	heap, stack, sys, rss uint64
	goroutines            int
	open                  int // connections open when measured
}

func measure() footprint {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return footprint{heap: ms.HeapInuse, stack: ms.StackInuse, sys: ms.Sys, rss: rss(), goroutines: runtime.NumGoroutine()}
}

// rss reads VmRSS from /proc/self/status (0 where there is none).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// holdConnections opens n connections to a server in another process,
// holds them for a few seconds with a little traffic, and returns the
// generator's footprint before and while holding them.
func holdConnections(tb testing.TB, n int) (before, held footprint, res *Result) {
	url := startServerProcess(tb)
	all := make(chan int, 16)
	g, err := New(Config{URL: url, Rooms: n / 50, Connections: n, ConnectRate: 2500, ConnectTimeout: 15 * time.Second,
		Hold: 5 * time.Second, MessageRate: 0.2, MessageSize: 64, Grace: 5 * time.Second,
		Observe: func(l Live) {
			// On a loaded machine the last dials can take seconds (SYN
			// retries): measure at the highest count seen, per connection.
			select {
			case all <- l.ConnectionsOpen:
			default:
			}
		}})
	if err != nil {
		tb.Fatal(err)
	}
	before = measure()
	done := make(chan struct{})
	heldc := make(chan footprint, 1)
	go func() {
		var best footprint
		defer func() { heldc <- best }()
		for {
			select {
			case open := <-all:
				if open > best.open && open >= n/2 {
					best = measure()
					best.open = open
				}
			case <-done:
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err = g.Run(ctx)
	close(done)
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	held = <-heldc
	return before, held, res
}

func TestHolds5000Connections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 5,000 connections (about 9 s)")
	}
	const n = 5000
	before, held, res := holdConnections(t, n)
	w := res.Steps[0].WebSocket
	if w.ConnectAttempts != n || w.ConnectFailures != 0 || w.Disconnects != 0 {
		t.Errorf("attempts %d, connect failures %d %v, disconnects %d; want %d 0 0", w.ConnectAttempts, w.ConnectFailures, w.ConnectFailuresByKind, w.Disconnects, n)
	}
	if w.ConnectionsOpenMax < n {
		t.Logf("only %d of %d open at once: dials were slower than the hold (machine loaded?)", w.ConnectionsOpenMax, n)
	}
	checkAccounting(t, res)
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(max(held.open, 1)) }
	t.Logf("open max %d; at %d connections: heap %.0f B/conn, stacks %.0f B/conn, heap+stacks %.0f B/conn, RSS %.0f B/conn (RSS %d MiB held), goroutines %d → %d; connect p99 %.1f ms, fanout p99 %.1f ms, %d deliveries",
		w.ConnectionsOpenMax, held.open, per(before.heap, held.heap), per(before.stack, held.stack),
		per(before.heap+before.stack, held.heap+held.stack), per(before.rss, held.rss), held.rss>>20,
		before.goroutines, held.goroutines, w.ConnectLatency.P99, w.FanoutLatency.P99, w.Delivered)
}

// BenchmarkConnectionMemory reports the generator's bytes per held
// connection (heap + goroutine stacks, and RSS) at 5,000 connections.
func BenchmarkConnectionMemory(b *testing.B) {
	const n = 5000
	for range b.N {
		before, held, _ := holdConnections(b, n)
		open := float64(max(held.open, 1))
		b.ReportMetric((float64(held.heap+held.stack)-float64(before.heap+before.stack))/open, "heap+stack-B/conn")
		b.ReportMetric((float64(held.rss)-float64(before.rss))/open, "rss-B/conn")
	}
}
