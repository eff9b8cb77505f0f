package wsload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// A spread run (BenchmarkHoldConnections) holds its connections with
// several generator processes, each against a reference server process of
// its own, because one process may hold only as many sockets as its
// open-files limit allows (20,000 on the machine of issue 17, with no way
// to raise it). Generator process i of N opens its share of the
// connections at RATE/N per second into rooms of its own, so every room's
// members and fan-out stay within one pair and the figures of the shares
// add up: counts and memory are summed, latency histograms merged.

// shareEnv names the environment variable that makes the test binary one
// generator process of a spread run (see TestMain): its value is a
// shareJob in JSON; the process prints a shareReport in JSON and exits.
const shareEnv = "WSLOAD_SHARE"

// shareJob is one generator process's part of a spread run.
type shareJob struct {
	URL         string        `json:"url"`
	Conns       int           `json:"conns"`
	Rate        float64       `json:"rate"`
	Hold        time.Duration `json:"hold"`
	MessageRate float64       `json:"message_rate"`
}

// shareReport is what one generator process measured.
type shareReport struct {
	HeapStackBefore uint64                 `json:"heap_stack_before"`
	HeapStackHeld   uint64                 `json:"heap_stack_held"`
	RSSBefore       uint64                 `json:"rss_before"`
	RSSHeld         uint64                 `json:"rss_held"`
	Open            int                    `json:"open"`       // open when RSSHeld was read
	AllOpenS        float64                `json:"all_open_s"` // 0: never all open
	WebSocket       results.WebSocketStats `json:"websocket"`
	Warnings        []string               `json:"warnings,omitempty"`
	Err             string                 `json:"err,omitempty"`
}

// holdShare runs one share (the process of a generator of a spread run)
// and returns the exit code.
func holdShare(raw string) int {
	var j shareJob
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", shareEnv, err)
		return 2
	}
	before, held, res, err := holdAt(j.URL, holdPlan{conns: j.Conns, rate: j.Rate, hold: j.Hold,
		messageRate: j.MessageRate, skipSources: true})
	rep := shareReport{HeapStackBefore: before.heap + before.stack, HeapStackHeld: held.heap + held.stack,
		RSSBefore: before.rss, RSSHeld: held.rss, Open: held.open, AllOpenS: held.allOpen.Seconds()}
	if res != nil && len(res.Steps) > 0 {
		rep.WebSocket, rep.Warnings = res.Steps[0].WebSocket, res.Steps[0].Warnings
	}
	if err != nil {
		rep.Err = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// spreadResult is a spread run, its shares summed.
type spreadResult struct {
	procs   int
	reports []shareReport
	// Server processes' RSS summed, before the run and while they held
	// the most connections at once (held: their descriptors beyond those
	// before the run, summed).
	serverBefore, serverHeld uint64
	held                     int
	sources                  map[string]int // established client connections by source address, mid-hold
	// CPU time of the generator and the server processes, and the wall
	// time of the run (start of the generators to their end).
	genCPU, serverCPU, elapsed time.Duration
}

// holdSpread holds p.conns connections with procs generator processes,
// each with its own reference server process.
func holdSpread(tb testing.TB, p holdPlan, procs int) spreadResult {
	sr := spreadResult{procs: procs}
	urls := make([]string, procs)
	pids := make([]int, procs)
	for i := range procs {
		urls[i], pids[i] = startServerProcess(tb)
	}
	sr.serverBefore = serversRSS(pids)
	cmds, outs := startShares(tb, p, urls)
	// Every second from half the planned ramp to the end of the hold,
	// count the connections the servers hold at once (their descriptors
	// beyond those before the run: cheap, one moment for all); the
	// largest count is kept, with the servers' RSS then. The client
	// connections by source address are read once, mid-hold
	// (/proc/net/tcp is slow at this size).
	ramp := time.Duration(float64(p.conns) / p.rate * float64(time.Second))
	baseFDs := openFDs(pids)
	began := time.Now()
	tick := time.NewTicker(time.Second)
	for now := range tick.C {
		if now.After(began.Add(ramp + p.hold)) {
			break
		}
		if now.Before(began.Add(ramp / 2)) {
			continue
		}
		if n := openFDs(pids) - baseFDs; n > sr.held {
			sr.held, sr.serverHeld = n, serversRSS(pids)
		}
		if sr.sources == nil && now.After(began.Add(ramp+p.hold/2)) {
			sr.sources = clientSources(urls...)
		}
	}
	tick.Stop()
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			tb.Fatalf("generator process %d: %v", i, err)
		}
		sr.genCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		var rep shareReport
		if err := json.Unmarshal(outs[i].Bytes(), &rep); err != nil {
			tb.Fatalf("generator process %d: report: %v", i, err)
		}
		if rep.Err != "" {
			tb.Fatalf("generator process %d: %s", i, rep.Err)
		}
		sr.reports = append(sr.reports, rep)
	}
	sr.elapsed = time.Since(began)
	for _, pid := range pids {
		sr.serverCPU += cpuOf(pid)
	}
	return sr
}

// cpuOf is the user + system CPU time a running process has used so far,
// from /proc/PID/stat (0 where there is none).
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state is
	// the first, utime and stime the 12th and 13th (in clock ticks,
	// USER_HZ = 100 on Linux).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// startShares starts one generator process per server URL, each opening
// its share of p.conns at its share of p.rate.
func startShares(tb testing.TB, p holdPlan, urls []string) ([]*exec.Cmd, []*bytes.Buffer) {
	n := len(urls)
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i, u := range urls {
		job, _ := json.Marshal(shareJob{URL: u, Conns: p.conns*(i+1)/n - p.conns*i/n, Rate: p.rate / float64(n),
			Hold: p.hold, MessageRate: p.messageRate})
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), shareEnv+"="+string(job))
		outs[i] = &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = outs[i], os.Stderr
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start generator process %d: %v", i, err)
		}
		tb.Cleanup(func() { _ = cmd.Process.Kill() }) // after Wait: a no-op
		cmds[i] = cmd
	}
	return cmds, outs
}

// openFDs is how many descriptors the processes have open, summed.
func openFDs(pids []int) int {
	n := 0
	for _, pid := range pids {
		fds, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
		n += len(fds)
	}
	return n
}

func serversRSS(pids []int) uint64 {
	var n uint64
	for _, pid := range pids {
		n += rssOf(strconv.Itoa(pid))
	}
	return n
}

// spreadFigures is a spread run's figures over all its shares.
type spreadFigures struct {
	open, openMax         int
	clientRSS, clientHeap float64 // bytes per connection
	serverRSS             float64 // bytes per connection held (sr.held)
	clientRSSHeld         uint64  // summed
	allOpen               float64 // s; 0: some share never had all open
	attempts, failures    uint64
	failureKinds          map[string]uint64
	connect, fanout       results.Latency
	delivered, expected   uint64
	deliveriesPerS        float64
	disconnects           uint64
	warnings              []string
}

// figures sums the shares and merges their latency histograms.
func (sr spreadResult) figures() (spreadFigures, error) {
	f := spreadFigures{failureKinds: map[string]uint64{}}
	var dClientRSS, dClientHeap float64
	conn, fan := newHistogram(), newHistogram()
	var connMax, fanMax float64
	never := false
	for _, r := range sr.reports {
		w := r.WebSocket
		f.open += r.Open
		f.openMax += w.ConnectionsOpenMax
		dClientRSS += float64(r.RSSHeld) - float64(r.RSSBefore)
		dClientHeap += float64(r.HeapStackHeld) - float64(r.HeapStackBefore)
		f.clientRSSHeld += r.RSSHeld
		never = never || r.AllOpenS == 0
		f.allOpen = max(f.allOpen, r.AllOpenS)
		f.attempts += w.ConnectAttempts
		f.failures += w.ConnectFailures
		f.failureKinds = addKinds(f.failureKinds, w.ConnectFailuresByKind)
		f.delivered += w.Delivered
		f.expected += w.DeliveriesExpected
		f.deliveriesPerS += w.DeliveriesPerS
		f.disconnects += w.Disconnects
		f.warnings = append(f.warnings, r.Warnings...)
		connMax, fanMax = max(connMax, w.ConnectLatency.Max), max(fanMax, w.FanoutLatency.Max)
		for name, h := range map[string]*hdrhistogram.Histogram{HistConnectLatency: conn, HistFanoutLatency: fan} {
			if err := mergeEncoded(h, w.Histograms[name]); err != nil {
				return f, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if never {
		f.allOpen = 0
	}
	f.clientRSS, f.clientHeap = dClientRSS/float64(max(f.open, 1)), dClientHeap/float64(max(f.open, 1))
	f.serverRSS = (float64(sr.serverHeld) - float64(sr.serverBefore)) / float64(max(sr.held, 1))
	f.connect, f.fanout = results.LatencyOf(conn, nil), results.LatencyOf(fan, nil)
	f.connect.Max, f.fanout.Max = connMax, fanMax
	return f, nil
}

// addKinds returns a + b, key by key.
func addKinds(a, b map[string]uint64) map[string]uint64 {
	out := maps.Clone(a)
	for k, v := range b {
		out[k] += v
	}
	return out
}

// mergeEncoded adds the encoded histogram s ("" when none) to h; a merge
// that drops values is an error (one geometry everywhere).
func mergeEncoded(h *hdrhistogram.Histogram, s string) error {
	if s == "" {
		return nil
	}
	o, err := results.DecodeHistogram(s)
	if err != nil {
		return err
	}
	if dropped := h.Merge(o); dropped != 0 {
		return fmt.Errorf("merge dropped %d values", dropped)
	}
	return nil
}
