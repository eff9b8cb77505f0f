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
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app/ws"
)

// TestMain lets the test binary act as the target server in its own
// process (WSLOAD_SERVE=1), so the generator's memory is measured alone.
func TestMain(m *testing.M) {
	if os.Getenv("WSLOAD_SERVE") == "1" {
		serve()
		return
	}
	if share := os.Getenv(shareEnv); share != "" {
		os.Exit(holdShare(share))
	}
	os.Exit(m.Run())
}

// serve runs a reference /ws server until stdin closes.
func serve() {
	// Room for BenchmarkHoldConnections' 50,000 and more where the
	// process may raise its hard limit (CAP_SYS_RESOURCE), else the hard
	// limit (the benchmark then starts one server per generator process).
	if _, err := raiseFileLimit(serveFiles); err != nil {
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

// startServerProcess starts serve in a process of its own and returns its
// ws:// URL and process id.
func startServerProcess(tb testing.TB) (string, int) {
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
	return "ws://" + strings.TrimSpace(addr) + "/ws", cmd.Process.Pid
}

// serveFiles is the open-files limit the server process asks for.
const serveFiles = 1 << 17

// footprint is the generator process's memory at one moment.
type footprint struct {
	heap, stack, sys, rss uint64
	goroutines            int
	open                  int            // connections open when measured
	allOpen               time.Duration  // from the run's start until all were open (0: never)
	sources               map[string]int // established client connections by source address
}

// measure collects garbage and returns freed memory to the OS first, so
// RSS counts what is in use (also after an earlier run in this process).
func measure() footprint {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return footprint{heap: ms.HeapInuse, stack: ms.StackInuse, sys: ms.Sys, rss: rss(), goroutines: runtime.NumGoroutine()}
}

// rss reads this process's VmRSS (0 where there is none).
func rss() uint64 { return rssOf("self") }

// rssOf reads VmRSS from /proc/PID/status, in bytes (0 where there is none).
func rssOf(pid string) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
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

// listenDrops is the kernel's count of connections dropped at a full
// listen queue (TcpExt ListenOverflows + ListenDrops from /proc/net/netstat;
// 0 where there is none). A dropped SYN costs its client a 1 s retry.
func listenDrops() uint64 {
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return 0
	}
	lines := strings.Split(string(b), "\n")
	var n uint64
	for i := 0; i+1 < len(lines); i += 2 {
		names, vals := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != "TcpExt:" || len(vals) != len(names) {
			continue
		}
		for j, name := range names {
			if name == "ListenOverflows" || name == "ListenDrops" {
				v, _ := strconv.ParseUint(vals[j], 10, 64)
				n += v
			}
		}
	}
	return n
}

// holdPlan is how a memory test opens and holds its connections.
type holdPlan struct {
	conns int
	// rate is new connections per second: the local server must accept
	// them without its listen queue overflowing (see TestHolds5000Connections).
	rate float64
	hold time.Duration
	// messageRate is messages per second per client, sent once all are
	// open (0: 0.2).
	messageRate float64
	// skipSources leaves footprint.sources empty (reading /proc/net/tcp
	// is slow at tens of thousands of connections; a spread run counts
	// them once, in its parent).
	skipSources bool
}

// The plan of TestHolds5000Connections and BenchmarkConnectionMemory: 5,000
// connections opened as a linear ramp at 1,000/s (5 s), then held for 3 s.
var plan5000 = holdPlan{conns: 5000, rate: 1000, hold: 3 * time.Second}

// holdConnections opens p.conns connections to a server in another
// process, holds them with a little traffic, and returns the generator's
// footprint before and while holding all of them (held.open is how many
// were open when it was measured).
func holdConnections(tb testing.TB, p holdPlan) (before, held footprint, res *Result) {
	url, _ := startServerProcess(tb)
	before, held, res, err := holdAt(url, p)
	if err != nil {
		tb.Fatal(err)
	}
	return before, held, res
}

// holdAt is holdConnections against the server at url (ws://…/ws).
func holdAt(url string, p holdPlan) (before, held footprint, res *Result, err error) {
	// Observe keeps the latest count in openNow and pokes the measuring
	// goroutine; a measurement (slow at tens of thousands of connections)
	// counts the connections open both before and after it.
	var openNow atomic.Int64
	poke := make(chan struct{}, 1)
	ramp := time.Duration(float64(p.conns) / p.rate * float64(time.Second))
	if p.messageRate == 0 {
		p.messageRate = 0.2
	}
	g, err := New(Config{URL: url, Rooms: p.conns / 10, Connections: p.conns, ConnectRate: p.rate,
		ConnectTimeout: 10 * time.Second, Hold: p.hold, MessageSize: 64, Grace: 2 * time.Second,
		// A little traffic once every connection is open: 10 members per
		// room, one message per client every 5 s (about 9,000 deliveries/s
		// at 5,000 connections), so buffers are in use when measured.
		MessageRate: p.messageRate, SendDelay: ramp,
		Observe: func(l Live) {
			openNow.Store(int64(l.ConnectionsOpen))
			select {
			case poke <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		return before, held, nil, err
	}
	before = measure()
	done := make(chan struct{})
	heldc := make(chan footprint, 1)
	began := time.Now()
	go func() {
		var best footprint
		var allOpen time.Duration
		defer func() { best.allOpen = allOpen; heldc <- best }()
		for {
			select {
			case <-poke:
				open := int(openNow.Load())
				if open >= p.conns && allOpen == 0 {
					allOpen = time.Since(began)
				}
				// A measurement collects garbage and returns memory to the
				// OS: at tens of thousands of connections that costs CPU
				// the ramp needs, so it is taken at every twentieth of the
				// count and once all are open, not at every poke.
				if open > best.open && open >= p.conns/2 && (open >= p.conns || open >= best.open+max(p.conns/20, 1)) {
					f := measure()
					if !p.skipSources {
						f.sources = clientSources(url)
					}
					f.open = min(open, int(openNow.Load()))
					if f.open > best.open {
						best = f
					}
				}
			case <-done:
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), ramp+p.hold+30*time.Second)
	defer cancel()
	res, err = g.Run(ctx)
	close(done)
	held = <-heldc
	if err != nil {
		return before, held, res, fmt.Errorf("Run: %w", err)
	}
	return before, held, res, nil
}

// maxBytesPerConn bounds the generator's memory per held connection, both
// heap + goroutine stacks and RSS (measured about 24 KiB and 31 KiB).
const maxBytesPerConn = 64 << 10

// TestHolds5000Connections is issue 5's done-when: the generator holds
// 5,000 connections open at the same time on a 2-core machine, within
// maxBytesPerConn each. The connect rate (1,000/s) stays below what the
// local server accepts, so no SYN waits in a full listen queue (Go listens
// with net.core.somaxconn; at 2,500/s beside 50-member rooms the connect
// p99 was 1.8–6 s, i.e. SYN retries, and the last dials sometimes landed
// after the first connections were closed).
func TestHolds5000Connections(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 5,000 connections (about 11 s)")
	}
	p := plan5000
	drops := listenDrops()
	before, held, res := holdConnections(t, p)
	drops = listenDrops() - drops
	w := res.Steps[0].WebSocket
	if w.ConnectAttempts != uint64(p.conns) || w.ConnectFailures != 0 || w.Disconnects != 0 {
		t.Errorf("attempts %d, connect failures %d %v, disconnects %d; want %d, 0, 0", w.ConnectAttempts, w.ConnectFailures, w.ConnectFailuresByKind, w.Disconnects, p.conns)
	}
	if w.ConnectionsOpenMax < p.conns || held.open < p.conns {
		t.Errorf("%d connections open at most (%d when measured), want %d", w.ConnectionsOpenMax, held.open, p.conns)
	}
	checkAccounting(t, res)
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(max(held.open, 1)) }
	heapStack, rssPer := per(before.heap+before.stack, held.heap+held.stack), per(before.rss, held.rss)
	t.Logf("%d open at once (%d at %.0f/s, held %s); per connection: heap %.0f B, stacks %.0f B, heap+stacks %.0f B, RSS %.0f B (RSS %d MiB held, Sys %d MiB); goroutines %d → %d; connect p50 %.1f ms p99 %.1f ms max %.1f ms; listen-queue drops %d; fan-out p99 %.1f ms, %d deliveries",
		w.ConnectionsOpenMax, p.conns, p.rate, p.hold, per(before.heap, held.heap), per(before.stack, held.stack),
		heapStack, rssPer, held.rss>>20, held.sys>>20, before.goroutines, held.goroutines,
		w.ConnectLatency.P50, w.ConnectLatency.P99, w.ConnectLatency.Max, drops, w.FanoutLatency.P99, w.Delivered)
	if heapStack >= maxBytesPerConn || rssPer >= maxBytesPerConn {
		t.Errorf("per connection: heap+stacks %.0f B, RSS %.0f B; want both < %d B", heapStack, rssPer, maxBytesPerConn)
	}
}

// BenchmarkConnectionMemory reports the generator's bytes per held
// connection (heap + goroutine stacks, and RSS) at 5,000 connections.
func BenchmarkConnectionMemory(b *testing.B) {
	for range b.N {
		before, held, _ := holdConnections(b, plan5000)
		open := float64(max(held.open, 1))
		b.ReportMetric((float64(held.heap+held.stack)-float64(before.heap+before.stack))/open, "heap+stack-B/conn")
		b.ReportMetric((float64(held.rss)-float64(before.rss))/open, "rss-B/conn")
	}
}
