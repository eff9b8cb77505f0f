package wsload

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkHoldConnections holds WSLOAD_BENCH_CONNS connections (default
// 50,000) to a reference server in another process, opened at
// WSLOAD_BENCH_RATE per second (default 1,000) and held for
// WSLOAD_BENCH_HOLD (default 10 s) with one message per client every
// 50 s (10 clients per room: 9 deliveries each). It reports the
// generator's memory per connection (heap + goroutine stacks, and RSS),
// how long it took to have all open against the planned ramp, connect and
// fan-out latency, connect failures and the source addresses used (one
// loopback address has about 28,000 ports to one server address).
// scripts/bench-websocket.sh runs it; it needs an open-files limit above
// the connection count in both processes (raised in-process when running
// as root) and a few GB of memory.
func BenchmarkHoldConnections(b *testing.B) {
	p := holdPlan{conns: 50000, rate: 1000, hold: 10 * time.Second, messageRate: 0.02}
	if s := os.Getenv("WSLOAD_BENCH_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			b.Fatalf("WSLOAD_BENCH_CONNS %q: want a count ≥ 10", s)
		}
		p.conns = n
	}
	if s := os.Getenv("WSLOAD_BENCH_RATE"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r <= 0 {
			b.Fatalf("WSLOAD_BENCH_RATE %q: want a rate > 0", s)
		}
		p.rate = r
	}
	if s := os.Getenv("WSLOAD_BENCH_HOLD"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatalf("WSLOAD_BENCH_HOLD: %v", err)
		}
		p.hold = d
	}
	for range b.N {
		drops := listenDrops()
		before, held, res := holdConnections(b, p)
		drops = listenDrops() - drops
		w := res.Steps[0].WebSocket
		open := float64(max(held.open, 1))
		ramp := time.Duration(float64(p.conns) / p.rate * float64(time.Second))
		b.ReportMetric(float64(w.ConnectionsOpenMax), "open-max")
		b.ReportMetric((float64(held.heap+held.stack)-float64(before.heap+before.stack))/open, "heap+stack-B/conn")
		b.ReportMetric((float64(held.rss)-float64(before.rss))/open, "rss-B/conn")
		b.ReportMetric(held.allOpen.Seconds(), "all-open-s")
		b.ReportMetric(w.ConnectLatency.P99, "connect-p99-ms")
		b.ReportMetric(w.FanoutLatency.P99, "fanout-p99-ms")
		b.ReportMetric(float64(w.ConnectFailures), "connect-failures")
		b.Logf("%d of %d open at once (planned ramp %s at %.0f/s; all open after %s, Observe resolution 1 s); "+
			"per connection heap+stacks %.0f B, RSS %.0f B (RSS %d MiB held); connect p50 %.1f p99 %.1f max %.1f ms; "+
			"failures %d %v; listen-queue drops %d; fan-out p50 %.1f p99 %.1f ms over %d deliveries (%.0f/s), ratio %.4f; disconnects %d; client connections by source address %v",
			w.ConnectionsOpenMax, p.conns, ramp, p.rate, held.allOpen.Round(time.Second),
			(float64(held.heap+held.stack)-float64(before.heap+before.stack))/open, (float64(held.rss)-float64(before.rss))/open, held.rss>>20,
			w.ConnectLatency.P50, w.ConnectLatency.P99, w.ConnectLatency.Max, w.ConnectFailures, w.ConnectFailuresByKind, drops,
			w.FanoutLatency.P50, w.FanoutLatency.P99, w.Delivered, w.DeliveriesPerS, w.DeliveryRatio, w.Disconnects, held.sources)
		b.ReportMetric(float64(len(held.sources)), "source-addrs")
	}
}

// clientSources counts the established TCP connections to the server of
// wsURL by their local (source) address, from /proc/net/tcp (IPv4; nil
// where there is none).
func clientSources(wsURL string) map[string]int {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil
	}
	port, err := strconv.ParseUint(u.Port(), 10, 16)
	if err != nil {
		return nil
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "01" { // ESTABLISHED
			continue
		}
		local, remote := f[1], f[2]
		if i := strings.IndexByte(remote, ':'); i < 0 || remote[i+1:] != fmt.Sprintf("%04X", port) {
			continue
		}
		ip, err := strconv.ParseUint(local[:8], 16, 32) // little-endian on x86 and arm64
		if err != nil {
			continue
		}
		out[fmt.Sprintf("%d.%d.%d.%d", ip&0xff, ip>>8&0xff, ip>>16&0xff, ip>>24)]++
	}
	return out
}
