package process

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/app/service"
	"github.com/scalebench/scalebench/targets"
)

// serviceTestMode tells the test binary's runApp to act as `serve --mode
// service` or as "tracecapture", a user's own service that appends each
// traceparent it receives to $TRACE_FILE.
func serviceTestMode(args []string) (string, bool) {
	switch {
	case args[0] == "tracecapture":
		return args[0], true
	case args[0] == "serve" && slices.Contains(args, "service"):
		return "service", true
	}
	return "", false
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runServiceTestMode(ctx context.Context, mode string, args []string) error {
	if mode == "tracecapture" {
		return captureTraces(ctx)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr, port, id := fs.String("addr", "127.0.0.1", ""), fs.Int("port", 0, ""), fs.String("id", "", "")
	_ = fs.String("mode", "", "")
	graph, self, entry, redis := fs.String("service-graph", "", ""), fs.String("service", "", ""), fs.String("entry", "", ""), fs.String("redis", "", "")
	var calls multiFlag
	fs.Var(&calls, "call", "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g, err := service.ParseGraph(*graph)
	if err != nil {
		return err
	}
	o := service.Options{Graph: g, Self: *self, Entry: *entry, Redis: *redis, ID: *id, Callees: map[string]string{}}
	for _, kv := range calls {
		k, v, _ := strings.Cut(kv, "=")
		o.Callees[k] = v
	}
	f := app.DefaultFeatures()
	f.Mode, f.Service = app.ModeService, o
	return app.Serve(ctx, app.Options{Addr: *addr, Port: *port, ID: *id, Features: f})
}

func captureTraces(ctx context.Context) error {
	f, err := os.OpenFile(os.Getenv("TRACE_FILE"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	lines := make(chan string, 1024)
	go func() {
		for l := range lines {
			fmt.Fprintln(f, l)
		}
	}()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			lines <- r.Header.Get(service.TraceHeader)
		}
		_, _ = w.Write([]byte("ok"))
	})
	return serveUntil(ctx, h)
}

func serveUntil(ctx context.Context, h http.Handler) error {
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: h}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// shop is the example graph, plus the user's own audit service.
func shop(t *testing.T, topology string) targets.Spec {
	exe, _ := os.Executable()
	return targets.Spec{Topology: topology, Balancer: "go", Microservices: &targets.Microservices{Entry: "core", Services: []targets.Service{
		{Name: "auth", Replicas: 2, CPU: time.Millisecond},
		{Name: "audit", Replicas: 1, Command: []string{exe, "tracecapture"}, Path: "/audit"},
		{Name: "core", Replicas: 1, CPU: time.Millisecond, Calls: []string{"auth", "payments", "notifications", "audit"}},
		{Name: "payments", Replicas: 1, CPU: time.Millisecond, DB: time.Millisecond},
		{Name: "notifications", Replicas: 1, CPU: time.Millisecond, Queue: true},
	}}, Env: map[string]string{"TRACE_FILE": filepath.Join(t.TempDir(), "traces")}}
}

// TestMicroservices: a request to the gateway fans out to every service
// (auth over its balancer to both replicas, the queue hop through Redis,
// the user's own service with the caller's trace id), and every entry
// request is counted once in each service it called.
func TestMicroservices(t *testing.T) {
	for _, topo := range []string{targets.TopologyMicroservices, targets.TopologyMonolith} {
		t.Run(topo, func(t *testing.T) {
			spec := shop(t, topo)
			dep := up(t, newTestDriver(t), spec)
			const n = 40
			tr := service.NewTrace()
			for range n {
				req, _ := http.NewRequest(http.MethodGet, dep.Endpoint()+"/api/checkout", nil)
				req.Header.Set(service.TraceHeader, tr.Child().String())
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got, _ := service.ParseTraceparent(resp.Header.Get(service.TraceResponseHeader))
				if resp.StatusCode != 200 || got.TraceID != tr.TraceID {
					t.Fatalf("GET /api/checkout: %d, traceresponse %q; want 200 and trace %s", resp.StatusCode, resp.Header.Get(service.TraceResponseHeader), tr.TraceID)
				}
			}
			want := map[string]uint64{"core": n, "auth": n, "payments": n, "notifications": n}
			waitCounts(t, dep, want)
			checkTraces(t, spec.Env["TRACE_FILE"], tr.TraceID, n)
		})
	}
}

// waitCounts polls every instance's figures until each service counted
// want requests (the queue hop finishes after the responses).
func waitCounts(t *testing.T, dep *Deployment, want map[string]uint64) {
	t.Helper()
	var got map[string]uint64
	per := map[string][]uint64{}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, per = map[string]uint64{}, map[string][]uint64{}
		for _, s := range dep.Services() {
			if s.External {
				continue
			}
			for _, u := range s.Instances {
				st := readStats(t, u)
				for name, ss := range st.Services {
					if ss.Requests > 0 || name == s.Name {
						got[name] += ss.Requests
						per[name] = append(per[name], ss.Requests)
					}
				}
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests per service %v, want %v", got, want)
	}
	if dep.spec.Topology == targets.TopologyMicroservices && (len(per["auth"]) != 2 || slices.Contains(per["auth"], 0)) {
		t.Errorf("auth requests per instance %v, want both replicas used", per["auth"])
	}
}

func readStats(t *testing.T, base string) service.Stats {
	t.Helper()
	st, err := service.ReadStats(context.Background(), http.DefaultClient, base)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkTraces: the user's service saw n traceparents of trace id, each a
// span of its own.
func checkTraces(t *testing.T, file, id string, n int) {
	t.Helper()
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(file)
		if lines = strings.Fields(string(b)); len(lines) >= n {
			break
		}
	}
	spans := map[string]bool{}
	for _, l := range lines {
		tr, ok := service.ParseTraceparent(l)
		if !ok || tr.TraceID != id {
			t.Fatalf("audit got traceparent %q, want trace %s", l, id)
		}
		spans[tr.SpanID] = true
	}
	if len(lines) != n || len(spans) != n {
		t.Errorf("audit got %d traceparents (%d spans), want %d", len(lines), len(spans), n)
	}
}
