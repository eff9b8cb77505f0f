package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

// newServer starts an httptest server with h, cleaned up with the test.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newGen(t *testing.T, cfg Config) *Generator {
	t.Helper()
	if cfg.Requests == nil {
		cfg.Requests = []Request{{Name: "root", Path: "/"}}
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func run(t *testing.T, g *Generator, ctx context.Context, ph Phase) []results.Step {
	t.Helper()
	steps, err := g.Run(ctx, ph)
	if err != nil {
		t.Fatalf("Run(%+v): %v", ph, err)
	}
	return steps
}

func TestNewRejects(t *testing.T) {
	reqs := []Request{{Path: "/"}}
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{BaseURL: "http://10.1.2.3:80", Requests: reqs}, "not loopback"},
		{Config{BaseURL: "ftp://127.0.0.1", Requests: reqs}, "scheme"},
		{Config{BaseURL: "http://127.0.0.1:80"}, "no requests"},
		{Config{BaseURL: "http://127.0.0.1:80", Requests: reqs, MaxWorkers: -1}, "max workers"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tt.cfg, err, tt.want)
		}
	}
	if _, err := New(Config{BaseURL: "http://10.1.2.3:80", Requests: reqs, AllowRemote: true}); err != nil {
		t.Errorf("New with AllowRemote: %v", err)
	}
}

func TestRunRejectsBadPhase(t *testing.T) {
	g := newGen(t, Config{BaseURL: "http://127.0.0.1:1"})
	for _, ph := range []Phase{
		{Model: "open", Duration: time.Second},
		{Model: "closed", Duration: time.Second},
		{Model: "open", Rate: 10},
		{Model: "batch", Rate: 10, Duration: time.Second},
	} {
		if _, err := g.Run(context.Background(), ph); err == nil {
			t.Errorf("Run(%+v) = nil error, want one", ph)
		}
	}
}

func TestRunOpenCountsEverything(t *testing.T) { eachEngine(t, testRunOpenCountsEverything) }

func testRunOpenCountsEverything(t *testing.T, engine string) {
	var n atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set(InstanceHeader, fmt.Sprintf("app-%d", i%2))
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "hello") // 5 bytes
	})
	var observed atomic.Int64
	g := newGen(t, Config{Engine: engine,
		BaseURL:    srv.URL,
		Requests:   []Request{{Name: "ok", Path: "/ok", Weight: 3}, {Name: "fail", Path: "/fail", Weight: 1}},
		MaxWorkers: 16,
		Sample: func(context.Context) (Usage, error) {
			return Usage{CPUSeconds: float64(time.Now().UnixNano()) / 1e9 / 4, RSSBytes: 1 << 20}, nil
		},
		Observe: func(Live) { observed.Add(1) },
	})
	steps := run(t, g, context.Background(), Phase{Index: 3, Model: "open", Rate: 200, Duration: 1500 * time.Millisecond})
	if len(steps) != 1 {
		t.Fatalf("len(steps) = %d, want 1", len(steps))
	}
	st := steps[0]
	if st.Index != 3 || st.Requests != 300 || st.Scheduled != 300 || st.Unsent != 0 || st.OfferedRate != 200 {
		t.Errorf("index, requests, scheduled, unsent, offered = %d, %d, %d, %d, %v, want 3, 300, 300, 0, 200",
			st.Index, st.Requests, st.Scheduled, st.Unsent, st.OfferedRate)
	}
	if st.Errors != 75 || st.ErrorsByKind["status_503"] != 75 {
		t.Errorf("errors = %d, by kind %v, want 75 status_503", st.Errors, st.ErrorsByKind)
	}
	if st.BytesIn != 225*5 {
		t.Errorf("bytes in = %d, want %d", st.BytesIn, 225*5)
	}
	if diff := cmp.Diff(st.RequestsByName, map[string]uint64{"ok": 225, "fail": 75}); diff != "" {
		t.Errorf("requests by name (-got +want):\n%s", diff)
	}
	if st.Instances["app-0"]+st.Instances["app-1"] != 300 {
		t.Errorf("instances = %v, want 300 in all", st.Instances)
	}
	if st.AchievedRate < 198 || st.AchievedRate > 202 {
		t.Errorf("achieved rate = %v, want ≈ 200", st.AchievedRate)
	}
	if st.Throughput < 140 || st.Throughput > 155 {
		t.Errorf("throughput = %v, want ≈ 150 (225 successes in ≈ 1.5 s)", st.Throughput)
	}
	for _, k := range []string{HistLatency, HistServiceTime, HistScheduleLag} {
		h, err := results.DecodeHistogram(st.Histograms[k])
		if err != nil || h.TotalCount() != 300 {
			t.Errorf("histogram %s: %v, count %v, want 300", k, err, h)
		}
	}
	var tl uint64
	for _, p := range st.Timeline {
		tl += p.Requests
	}
	if tl != 300 || len(st.Timeline) < 2 {
		t.Errorf("timeline holds %d requests in %d points, want 300 in ≥ 2", tl, len(st.Timeline))
	}
	if st.Timeline[0].CPU < 0.2 || st.Timeline[0].CPU > 0.3 || st.Resources.Samples < 1 ||
		st.Resources.CPUCoresMean < 0.2 || st.Resources.CPUCoresMean > 0.3 || st.Resources.RSSBytesMax != 1<<20 {
		t.Errorf("resources = %+v, point 0 cpu %v, want 0.25 cores, 1 MiB", st.Resources, st.Timeline[0].CPU)
	}
	if st.Generator.CPUsAvailable != runtime.NumCPU() || st.Generator.Workers != 16 || st.Generator.CPUCores <= 0 {
		t.Errorf("generator = %+v", st.Generator)
	}
	if st.LittlesLaw == nil || !st.LittlesLaw.Holds {
		t.Errorf("little's law = %+v, want it to hold", st.LittlesLaw)
	}
	// On a busy machine a schedule-lag warning may come too; it does not
	// make the step invalid.
	if !st.Valid || !strings.Contains(strings.Join(st.Warnings, "; "), "error rate 25.0% (status_503: 75)") {
		t.Errorf("valid, warnings = %v, %q, want valid with an error-rate warning", st.Valid, st.Warnings)
	}
	if observed.Load() < 1 {
		t.Errorf("Observe called %d times, want ≥ 1", observed.Load())
	}
}

func TestRunRampWindows(t *testing.T) { eachEngine(t, testRunRampWindows) }

func testRunRampWindows(t *testing.T, engine string) {
	srv := newServer(t, func(http.ResponseWriter, *http.Request) {})
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL, MaxWorkers: 16})
	steps := run(t, g, context.Background(), Phase{Model: "open", Rate: 100, RampTo: 300, Windows: 4, Duration: 2 * time.Second})
	if len(steps) != 4 {
		t.Fatalf("len(steps) = %d, want 4", len(steps))
	}
	var total uint64
	for i, st := range steps {
		// Window i spans [0.5i, 0.5i+0.5) s; its mean rate is 100 + 100·(0.5i + 0.25).
		want := 100 + 100*(0.5*float64(i)+0.25)
		if st.Index != i || st.OfferedRate < want-2 || st.OfferedRate > want+2 || st.Requests != st.Scheduled || st.DurationS != 0.5 {
			t.Errorf("steps[%d] = index %d, offered %v, requests %d of %d, duration %v; want offered ≈ %v, all sent, 0.5 s",
				i, st.Index, st.OfferedRate, st.Requests, st.Scheduled, st.DurationS, want)
		}
		total += st.Requests
	}
	if total != 400 {
		t.Errorf("total requests = %d, want 400", total)
	}
}

func TestRunClosed(t *testing.T) { eachEngine(t, testRunClosed) }

func testRunClosed(t *testing.T, engine string) {
	srv := newServer(t, func(http.ResponseWriter, *http.Request) { time.Sleep(2 * time.Millisecond) })
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL, MaxWorkers: 64})
	steps := run(t, g, context.Background(), Phase{Model: "closed", Concurrency: 4, Duration: time.Second})
	st := steps[0]
	if st.Model != "closed" || st.Concurrency != 4 || st.Generator.Workers != 4 || st.OfferedRate != 0 {
		t.Errorf("step = model %q, concurrency %d, workers %d, offered %v", st.Model, st.Concurrency, st.Generator.Workers, st.OfferedRate)
	}
	// 4 clients, ≥ 2 ms each: at most ≈ 2000 requests a second.
	if st.Requests < 500 || st.Requests > 2100 {
		t.Errorf("requests = %d, want 500..2100", st.Requests)
	}
	if st.Latency != st.ServiceTime {
		t.Errorf("latency %+v != service time %+v in the closed model", st.Latency, st.ServiceTime)
	}
	if _, ok := st.Histograms[HistScheduleLag]; ok {
		t.Errorf("closed step has a schedule lag histogram")
	}
	if ll := st.LittlesLaw; ll == nil || !ll.Holds || ll.MeasuredConcurrency < 3 || ll.MeasuredConcurrency > 4.5 {
		t.Errorf("little's law = %+v, want ≈ 4 and holding", ll)
	}
}

func TestRunDiscardReturnsNothing(t *testing.T) { eachEngine(t, testRunDiscardReturnsNothing) }

func testRunDiscardReturnsNothing(t *testing.T, engine string) {
	var n atomic.Int64
	srv := newServer(t, func(http.ResponseWriter, *http.Request) { n.Add(1) })
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL})
	steps := run(t, g, context.Background(), Phase{Model: "open", Rate: 100, Duration: 300 * time.Millisecond, Discard: true})
	if len(steps) != 0 || n.Load() != 30 {
		t.Errorf("steps = %d, server saw %d, want 0 steps and 30 requests", len(steps), n.Load())
	}
}

func TestRunInterrupted(t *testing.T) { eachEngine(t, testRunInterrupted) }

func testRunInterrupted(t *testing.T, engine string) {
	// A server that never answers: only closing the connections ends the
	// requests in flight before their 30 s timeout.
	release := make(chan struct{})
	var once sync.Once
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	before := runtime.NumGoroutine()
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL, MaxWorkers: 8})
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	began := time.Now()
	steps := run(t, g, ctx, Phase{Model: "open", Rate: 100, Duration: 10 * time.Second})
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("Run took %v after ctx ended at 0.7 s, want < 2 s", took)
	}
	if len(steps) != 1 || steps[0].Valid || !strings.Contains(strings.Join(steps[0].Warnings, "; "), "interrupted") {
		t.Errorf("steps = %+v, want one invalid step warned as interrupted", steps)
	}
	once.Do(func() { close(release) })
	srv.CloseClientConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("goroutines: %d after Run, %d before", n, before)
	}
}

func TestRunRefusedIsCounted(t *testing.T) { eachEngine(t, testRunRefusedIsCounted) }

func testRunRefusedIsCounted(t *testing.T, engine string) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	g := newGen(t, Config{Engine: engine, BaseURL: url, MaxWorkers: 4})
	st := run(t, g, context.Background(), Phase{Model: "open", Rate: 50, Duration: 200 * time.Millisecond})[0]
	if st.Requests != 10 || st.ErrorsByKind["connection_refused"] != 10 {
		t.Errorf("requests %d, errors by kind %v, want 10 connection_refused", st.Requests, st.ErrorsByKind)
	}
}
