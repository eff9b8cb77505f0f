package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/load/wsload"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/stats"
	"github.com/scalebench/scalebench/targets"
)

// Quick-mode ceiling for a WebSocket step's hold (the ramp uses quickRamp).
const quickHold = 3 * time.Second

// generatorSaturated is the share of its CPUs at which the generator is
// considered saturated (as for HTTP).
const generatorSaturated = 0.9

// wsWorkload drives a scenario's websocket section with load/wsload. The
// whole section (every connection step) is one phase: connections are
// held across steps, so they cannot be split into separate generator runs.
type wsWorkload struct {
	cfg     wsload.Config
	dep     targets.Deployment
	cpus    int
	live    func(load.Live)
	planned time.Duration
}

// newWSWorkload maps the scenario's websocket section to a wsload.Config
// aimed at the deployment's endpoint.
func newWSWorkload(sc *scenarios.Scenario, t scenarios.Target, dep targets.Deployment, opts Options, live func(load.Live)) (workload, error) {
	u, err := wsURL(dep.Endpoint(), sc.WebSocket.Path)
	if err != nil {
		return nil, err
	}
	cfg := WSConfig(sc, opts.Quick)
	cfg.URL = u
	cfg.AllowRemote = t.AllowRemote
	cpus := opts.GeneratorCPUs
	if cpus <= 0 {
		cpus = runtime.GOMAXPROCS(0)
	}
	w := &wsWorkload{cfg: cfg, dep: dep, cpus: cpus, live: live, planned: wsPlanned(cfg)}
	return w, nil
}

// warnFileLimit records and announces, before the first target, that this
// process's open-files limit cannot hold the websocket section's
// connections (wsload.FileLimitWarning), so a long run does not find out
// only from its results; the steps that exceed it carry the warning too.
func warnFileLimit(run *results.Run, sc *scenarios.Scenario, quick bool, obs Observer) {
	if !sc.IsWebSocket() {
		return
	}
	cfg := WSConfig(sc, quick)
	if len(cfg.Levels) == 0 {
		return
	}
	// A limit that cannot be read is reported by the generator's Run.
	w, err := wsload.FileLimitWarning(cfg.Levels[len(cfg.Levels)-1].Connections)
	if err == nil && w != "" && !slices.Contains(run.Warnings, w) {
		run.Warnings = append(run.Warnings, w)
		obs.Warn(w)
	}
}

// WSConfig is the generator configuration for a scenario's websocket
// section, without the URL; quick caps hold and ramp lengths for smoke runs.
func WSConfig(sc *scenarios.Scenario, quick bool) wsload.Config {
	w := sc.WebSocket
	hold := w.Hold.D()
	if hold == 0 {
		hold = sc.Defaults.Duration.D()
	}
	if quick {
		hold = minDur(hold, quickHold)
	}
	cfg := wsload.Config{
		RoomParam:      w.RoomParam,
		Rooms:          w.Rooms,
		ConnectRate:    w.ConnectRate,
		MessageRate:    w.MessageRate,
		MessageSize:    w.MessageSize,
		SendDelay:      w.SendDelay.D(),
		IncludeSender:  w.IncludeSender,
		Reconnect:      w.Reconnect,
		Grace:          w.Grace.D(),
		ConnectTimeout: sc.Defaults.Timeout.D(),
	}
	if len(w.Headers) > 0 {
		cfg.Header = http.Header{}
		for k, v := range w.Headers {
			cfg.Header.Set(k, v)
		}
	}
	if w.Ramp != nil {
		over := w.Ramp.Over.D()
		if quick {
			over = minDur(over, quickRamp)
		}
		cfg.Levels = wsload.Ramp(w.Ramp.To, w.Ramp.Windows, over)
		if cfg.ConnectRate == 0 {
			cfg.ConnectRate = float64(w.Ramp.To) / over.Seconds()
		}
		// Hold the full count once the ramp is done, so the last window's
		// clients are measured for a while too.
		cfg.Levels[len(cfg.Levels)-1].Hold = hold
	} else {
		for _, c := range w.Connections {
			cfg.Levels = append(cfg.Levels, wsload.Level{Connections: c, Hold: hold})
		}
	}
	return cfg
}

// wsPlanned is the planned length of a run: opening the connections at the
// connect rate plus every hold.
func wsPlanned(cfg wsload.Config) time.Duration {
	rate := cfg.ConnectRate
	if rate <= 0 {
		rate = 500
	}
	var d time.Duration
	prev := 0
	for _, l := range cfg.Levels {
		d += time.Duration(float64(l.Connections-prev)/rate*float64(time.Second)) + l.Hold
		prev = l.Connections
	}
	return d
}

// wsURL turns the deployment's http(s) base URL and the section's path
// into a ws(s) URL.
func wsURL(base, path string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/") + path)
	if err != nil {
		return "", fmt.Errorf("websocket url: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "ws", "wss":
	default:
		return "", fmt.Errorf("websocket url %q: scheme must be http(s) or ws(s)", u)
	}
	return u.String(), nil
}

// usageSample is one reading of the target's and the generator's use.
type usageSample struct {
	at      time.Time
	target  targets.Usage
	ok      bool
	genCPU  time.Duration
	genRSS  uint64
	genHeap uint64
}

// Run runs the whole websocket section (the runner plans one phase for it)
// and returns one results.Step per connection step.
func (w *wsWorkload) Run(ctx context.Context, ph load.Phase) ([]results.Step, error) {
	cfg := w.cfg
	start := time.Now()
	var lastSent uint64
	lastAt := start
	cfg.Observe = func(l wsload.Live) {
		if w.live == nil {
			return
		}
		now := time.Now()
		var rate float64
		if dt := now.Sub(lastAt).Seconds(); dt > 0 {
			rate = float64(l.MessagesSent-lastSent) / dt
		}
		lastSent, lastAt = l.MessagesSent, now
		w.live(load.Live{Elapsed: now.Sub(start), Duration: w.planned, Requests: l.MessagesSent,
			Errors: l.Disconnects, Rate: rate, Step: l.Step, Connections: l.ConnectionsOpen})
	}
	gen, err := wsload.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var samples []usageSample
	wg.Go(func() { samples = w.sampleUntil(sctx) })
	res, err := gen.Run(ctx)
	stop()
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	out := make([]results.Step, 0, len(res.Steps))
	for _, s := range res.Steps {
		st := s.ResultsStep(cfg.MessageRate)
		st.Index += ph.Index
		if st.Requests > 0 {
			st.ErrorRate = float64(st.Errors) / float64(st.Requests)
		}
		if st.DurationS > 0 {
			st.AchievedRate = float64(st.Requests) / st.DurationS
			st.Throughput = float64(st.WebSocket.Delivered) / st.DurationS
		}
		st.Scheduled = st.Requests + st.WebSocket.MessagesUnsent
		st.Unsent = st.WebSocket.MessagesUnsent
		w.fillUsage(&st, samples)
		wsLost(&st)
		stats.Figures(&st)
		out = append(out, st)
	}
	return out, nil
}

// sampleUntil reads the target's and the generator's resource use every
// second until ctx ends.
func (w *wsWorkload) sampleUntil(ctx context.Context) []usageSample {
	var out []usageSample
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		out = append(out, w.sampleOnce(ctx))
		select {
		case <-ctx.Done():
			out = append(out, w.sampleOnce(context.Background()))
			return out
		case <-tick.C:
		}
	}
}

func (w *wsWorkload) sampleOnce(ctx context.Context) usageSample {
	s := usageSample{at: time.Now()}
	sctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	u, err := w.dep.Sample(sctx)
	cancel()
	s.target, s.ok = u, err == nil
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.genCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	s.genRSS = selfRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.genHeap = ms.HeapInuse
	return s
}

// fillUsage sets the step's Resources and Generator from the samples taken
// during it, and records the generator's memory in Extra.
func (w *wsWorkload) fillUsage(st *results.Step, samples []usageSample) {
	from := st.StartedAt
	to := from.Add(time.Duration(st.DurationS * float64(time.Second)))
	var in []usageSample
	for _, s := range samples {
		if !s.at.Before(from.Add(-time.Second)) && !s.at.After(to.Add(time.Second)) {
			in = append(in, s)
		}
	}
	st.Generator = results.Generator{CPUsAvailable: w.cpus, Workers: st.WebSocket.ConnectionsTarget}
	if len(in) < 2 {
		return
	}
	first, last := in[0], in[len(in)-1]
	if dt := last.at.Sub(first.at).Seconds(); dt > 0 {
		st.Generator.CPUCores = (last.genCPU - first.genCPU).Seconds() / dt
		st.Generator.Saturated = st.Generator.CPUCores >= generatorSaturated*float64(w.cpus)
	}
	var sum float64
	var n int
	var rss, heap uint64
	for i := 1; i < len(in); i++ {
		a, b := in[i-1], in[i]
		rss, heap = max(rss, b.genRSS), max(heap, b.genHeap)
		if !a.ok || !b.ok {
			continue
		}
		dt := b.at.Sub(a.at).Seconds()
		if dt <= 0 {
			continue
		}
		c := (b.target.CPUSeconds - a.target.CPUSeconds) / dt
		sum += c
		n++
		st.Resources.CPUCoresMax = max(st.Resources.CPUCoresMax, c)
		st.Resources.RSSBytesMax = max(st.Resources.RSSBytesMax, b.target.RSSBytes)
	}
	if n > 0 {
		st.Resources.CPUCoresMean = sum / float64(n)
		st.Resources.Samples = n
	}
	if st.Extra == nil {
		st.Extra = map[string]float64{}
	}
	st.Extra["generator_rss_mib"] = float64(rss) / (1 << 20)
	st.Extra["generator_heap_mib"] = float64(heap) / (1 << 20)
	if st.Generator.Saturated {
		st.Valid = false
		st.Warnings = append(st.Warnings, fmt.Sprintf("load generator saturated: %.2f of %d CPUs", st.Generator.CPUCores, w.cpus))
	}
}

// selfRSS is this process's resident memory from /proc/self/statm (0 when
// unknown).
func selfRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// wsLost adds a warning saying what happened to the connections the
// target dropped during the step: how many were lost, and how many clients
// reconnected (through a balancer, to a surviving replica) or failed to.
func wsLost(st *results.Step) {
	w := st.WebSocket
	if w.Disconnects == 0 {
		return
	}
	msg := fmt.Sprintf("%d of %d connections lost (%s)", w.Disconnects, w.ConnectionsTarget, load.KindsText(w.DisconnectsByKind))
	switch {
	case w.ReconnectAttempts == 0:
		msg += "; no reconnects (reconnect is off, or the run ended first)"
	default:
		msg += fmt.Sprintf("; %d reconnect attempts: %d reconnected, %d failed", w.ReconnectAttempts, w.Reconnects, w.ReconnectFailures)
	}
	msg += fmt.Sprintf("; %d open at the end of the step", w.ConnectionsOpenEnd)
	st.Warnings = append(st.Warnings, msg)
}
