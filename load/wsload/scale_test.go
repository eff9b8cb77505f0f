package wsload

import (
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkHoldConnections holds WSLOAD_BENCH_CONNS connections (default
// 50,000) to reference servers in other processes, opened at
// WSLOAD_BENCH_RATE per second in all (default 1,000) and held for
// WSLOAD_BENCH_HOLD (default 10 s) with one message per client every
// 50 s (10 clients per room: 9 deliveries each). It spreads them over
// WSLOAD_BENCH_PROCS generator processes (default: as few as the
// open-files limit allows, see spreadProcs), each with a server process of
// its own (see holdSpread). It reports memory per connection (the
// generators' heap + goroutine stacks and RSS, the servers' RSS), how long
// it took to have all open against the planned ramp and the connect rate
// that makes, connect and fan-out latency, connect failures and the source
// addresses used (one loopback address has about 28,000 ports to one
// server address). scripts/bench-websocket.sh runs it; it needs a few GB
// of memory.
func BenchmarkHoldConnections(b *testing.B) {
	p, procs := benchPlan(b)
	for range b.N {
		drops := listenDrops()
		sr := holdSpread(b, p, procs)
		drops = listenDrops() - drops
		f, err := sr.figures()
		if err != nil {
			b.Fatal(err)
		}
		ramp := time.Duration(float64(p.conns) / p.rate * float64(time.Second))
		b.ReportMetric(float64(sr.held), "held")
		b.ReportMetric(float64(f.openMax), "open-max")
		b.ReportMetric(f.clientHeap, "heap+stack-B/conn")
		b.ReportMetric(f.clientRSS, "rss-B/conn")
		b.ReportMetric(f.serverRSS, "server-rss-B/conn")
		b.ReportMetric(f.allOpen, "all-open-s")
		if f.allOpen > 0 {
			b.ReportMetric(float64(p.conns)/f.allOpen, "connects/s")
		}
		b.ReportMetric(f.connect.P99, "connect-p99-ms")
		b.ReportMetric(f.fanout.P99, "fanout-p99-ms")
		b.ReportMetric(float64(f.failures), "connect-failures")
		b.ReportMetric(float64(len(sr.sources)), "source-addrs")
		b.Logf("%d generator processes, each with its own server process; %d of %d held at once (the servers' descriptors; %d by the generators' own counts, each at its peak; %d established mid-hold, from /proc/net/tcp; planned ramp %s at %.0f/s; %s); "+
			"per connection: generator heap+stacks %.0f B, generator RSS %.0f B (%d MiB held in all), server RSS %.0f B (%d MiB held in all); "+
			"connect p50 %.1f p99 %.1f max %.1f ms; failures %d of %d %v; listen-queue drops %d; fan-out p50 %.1f p99 %.1f max %.1f ms over %d of %d deliveries (%.0f/s); disconnects %d; client connections by source address %v",
			sr.procs, sr.held, p.conns, f.openMax, sum(sr.sources), ramp, p.rate, allOpenText(p.conns, f.allOpen),
			f.clientHeap, f.clientRSS, f.clientRSSHeld>>20, f.serverRSS, sr.serverHeld>>20,
			f.connect.P50, f.connect.P99, f.connect.Max, f.failures, f.attempts, f.failureKinds, drops,
			f.fanout.P50, f.fanout.P99, f.fanout.Max, f.delivered, f.expected, f.deliveriesPerS, f.disconnects, sr.sources)
		b.ReportMetric(sr.genCPU.Seconds()/float64(max(f.attempts, 1))*1e6, "gen-cpu-µs/conn")
		b.ReportMetric(sr.serverCPU.Seconds()/float64(max(f.attempts, 1))*1e6, "server-cpu-µs/conn")
		b.Logf("CPU over the run's %.0f s: generators %.1f s (%.2f cores), servers %.1f s (%.2f cores) of the machine's %d; load average %s",
			sr.elapsed.Seconds(), sr.genCPU.Seconds(), sr.genCPU.Seconds()/sr.elapsed.Seconds(),
			sr.serverCPU.Seconds(), sr.serverCPU.Seconds()/sr.elapsed.Seconds(), runtime.NumCPU(), loadAverage())
		for _, w := range f.warnings {
			b.Logf("warning: %s", w)
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// allOpenText says when all conns were open and the connect rate that
// made (allOpen in seconds; 0: never).
func allOpenText(conns int, allOpen float64) string {
	if allOpen == 0 {
		return "never all open at once"
	}
	return fmt.Sprintf("all open after %.0f s, Observe resolution 1 s: %.0f connects/s", allOpen, float64(conns)/allOpen)
}

// loadAverage is the first three fields of /proc/loadavg ("?" where there
// is none): the machine's contention while the benchmark ran.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// benchPlan reads BenchmarkHoldConnections' plan from the environment.
func benchPlan(b *testing.B) (holdPlan, int) {
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
		if err != nil || d < 2*time.Second {
			b.Fatalf("WSLOAD_BENCH_HOLD %q: want a duration ≥ 2s", s)
		}
		p.hold = d
	}
	procs := spreadProcs(b, p.conns)
	if s := os.Getenv("WSLOAD_BENCH_PROCS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 64 {
			b.Fatalf("WSLOAD_BENCH_PROCS %q: want 1 to 64", s)
		}
		procs = n
	}
	return p, procs
}

// spreadProcs is how many generator processes (each with a server process)
// conns need: one when this process's open-files limit fits them, else as
// many as keep each share within the limit the processes may raise to (the
// hard limit; the server side also needs a descriptor per connection).
func spreadProcs(b *testing.B, conns int) int {
	soft, err := raiseFileLimit(uint64(conns) + fileSpare)
	if err != nil {
		b.Fatal(err)
	}
	fit := int(soft) - 2*fileSpare
	if fit >= conns || fit < 1 {
		return 1
	}
	n := (conns + fit - 1) / fit
	b.Logf("open-files limit %d per process (hard; this process may not raise it): %d connections need %d generator processes and %d server processes", soft, conns, n, n)
	return n
}

// clientSources counts the established TCP connections to the servers of
// wsURLs by their local (source) address, from /proc/net/tcp (IPv4; nil
// where there is none).
func clientSources(wsURLs ...string) map[string]int {
	ports := map[string]bool{}
	for _, raw := range wsURLs {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if port, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
			ports[fmt.Sprintf("%04X", port)] = true
		}
	}
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil || len(ports) == 0 {
		return nil
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "01" { // ESTABLISHED
			continue
		}
		local, remote := f[1], f[2]
		if i := strings.IndexByte(remote, ':'); i < 0 || !ports[remote[i+1:]] {
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
