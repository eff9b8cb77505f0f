package flow_test

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

	"github.com/scalebench/scalebench/app/sessions"
	"github.com/scalebench/scalebench/load/flow"
	"github.com/scalebench/scalebench/targets/redis/redistest"
)

// loginThenMe is the flow of the sessions suite.
var loginThenMe = flow.Flow{
	Name: "login-then-me",
	Steps: []flow.Step{
		{
			Name: "login", Method: "POST", Path: "/login", Body: `{"user":"u${flow.seq}"}`,
			Capture: map[string]flow.Capture{"session": {Cookie: sessions.CookieName}, "user": {JSON: "user"}},
		},
		{Name: "me", Path: "/me", Headers: map[string]string{"Cookie": "sb_session=${session}"}, Expect: flow.Expect{Status: 200}},
	},
}

func run(t *testing.T, url string, flows ...flow.Flow) flow.Result {
	t.Helper()
	res, err := flow.Run(context.Background(), flow.Config{
		BaseURL: url, Flows: flows, Rate: 200, Duration: 250 * time.Millisecond, Seed: 1,
	})
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	return res
}

func newSessions(t *testing.T, store, addr string) http.Handler {
	t.Helper()
	o := sessions.DefaultOptions()
	o.Store, o.Redis = store, addr
	h, err := sessions.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

func TestLoginThenMe(t *testing.T) {
	srv := httptest.NewServer(newSessions(t, sessions.StoreMemory, ""))
	defer srv.Close()
	res := run(t, srv.URL, loginThenMe)
	f := res.Flows[0]
	if f.Scheduled != 50 || f.Started != 50 || f.Completed != 50 || f.Failed != 0 {
		t.Errorf("flow = scheduled %d started %d completed %d failed %d, want 50 50 50 0", f.Scheduled, f.Started, f.Completed, f.Failed)
	}
	for _, r := range f.Requests {
		if r.Requests != 50 || r.Errors != 0 || r.Latency.P99 <= 0 || r.Histograms["latency"] == "" {
			t.Errorf("step %s = %+v, want 50 requests, no errors, a latency and a histogram", r.Name, r)
		}
	}
}

// roundRobin alternates requests between handlers, like a balancer.
func roundRobin(hs ...http.Handler) http.Handler {
	var n atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)-1) % len(hs)
		w.Header().Set("X-Scalebench-Instance", fmt.Sprint("replica-", i))
		hs[i].ServeHTTP(w, r)
	})
}

// TestSessionsBehindBalancer is the sessions suite's lesson in small: two
// replicas behind round robin; memory sessions fail on the other replica,
// Redis sessions do not.
func TestSessionsBehindBalancer(t *testing.T) {
	rs := redistest.Start(t)
	for _, tt := range []struct {
		store      string
		wantFailed bool
	}{{sessions.StoreMemory, true}, {sessions.StoreRedis, false}} {
		srv := httptest.NewServer(roundRobin(newSessions(t, tt.store, rs.Addr()), newSessions(t, tt.store, rs.Addr())))
		res := run(t, srv.URL, loginThenMe)
		srv.Close()
		me := res.Flows[0].Requests[1]
		t.Logf("%s: me %d requests, %d errors %v, instances %v", tt.store, me.Requests, me.Errors, me.ErrorsByKind, me.Instances)
		if tt.wantFailed && me.ErrorsByKind["status_401"] < me.Requests/2 {
			t.Errorf("%s store: /me 401s = %d of %d, want most (every /me lands on the other replica)", tt.store, me.ErrorsByKind["status_401"], me.Requests)
		}
		if !tt.wantFailed && me.Errors != 0 {
			t.Errorf("%s store: /me errors = %v, want none", tt.store, me.ErrorsByKind)
		}
		if len(me.Instances) == 0 {
			t.Errorf("%s store: /me instances = %v, want the replicas counted", tt.store, me.Instances)
		}
	}
}

func TestCapturesAndExpect(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Token", "tok-7")
		fmt.Fprint(w, `{"items":[{"id":41},{"id":42,"tags":["a"]}],"ok":true,"order":"ord-9 created"}`)
	})
	var got atomic.Value
	mux.HandleFunc("GET /check/{id}", func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.PathValue("id") + "|" + r.Header.Get("Authorization") + "|" + r.URL.Query().Get("order") + "|" + r.URL.Query().Get("ok"))
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	capt := flow.Flow{Name: "capture", Steps: []flow.Step{
		{Name: "create", Method: "POST", Path: "/items", Capture: map[string]flow.Capture{
			"id": {JSON: "items.1.id"}, "token": {Header: "X-Token"}, "order": {Regex: `(ord-\d+)`}, "ok": {JSON: "ok"},
		}},
		{Name: "check", Path: "/check/${id}?order=${order}&ok=${ok}", Headers: map[string]string{"Authorization": "Bearer ${token}"}, Expect: flow.Expect{Status: 201}},
	}}
	res := run(t, srv.URL, capt)
	if f := res.Flows[0]; f.Completed != f.Started || f.Failed != 0 {
		t.Errorf("capture flow: %+v, want all completed", f)
	}
	if diff := cmp.Diff("42|Bearer tok-7|ord-9|true", got.Load()); diff != "" {
		t.Errorf("captured values mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		step flow.Step
		kind string
	}{
		{"expect", flow.Step{Name: "s", Path: "/check/1", Expect: flow.Expect{Status: 200}}, "expect_status"},
		{"status", flow.Step{Name: "s", Path: "/missing"}, "status_404"},
		{"capture", flow.Step{Name: "s", Method: "POST", Path: "/items", Capture: map[string]flow.Capture{"x": {JSON: "items.5.id"}}}, "capture"},
	}
	for _, tt := range tests {
		f := flow.Flow{Name: tt.name, Steps: []flow.Step{tt.step, {Name: "next", Path: "/check/2"}}}
		res := run(t, srv.URL, f)
		fs := res.Flows[0]
		first, next := fs.Requests[0], fs.Requests[1]
		if first.ErrorsByKind[tt.kind] != fs.Started || fs.Failed != fs.Started || next.Skipped != fs.Started || next.Requests != 0 {
			t.Errorf("%s: errors %v, failed %d, next skipped %d sent %d; want all %d %s, next skipped", tt.name, first.ErrorsByKind, fs.Failed, next.Skipped, next.Requests, fs.Started, tt.kind)
		}
	}
}

func TestMaxConcurrentAndCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := flow.Run(ctx, flow.Config{
		BaseURL: srv.URL, Rate: 100, Duration: 10 * time.Second, MaxConcurrent: 3,
		Flows: []flow.Flow{{Name: "slow", Steps: []flow.Step{{Name: "s", Path: "/"}}}},
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Run() returned after %v, want soon after ctx ends (300ms)", d)
	}
	if err == nil {
		t.Errorf("Run() error = nil, want the context's")
	}
	if res.Started != 3 || res.Scheduled != 1000 || res.Unsent != 997 {
		t.Errorf("Run() started %d scheduled %d unsent %d, want 3, 1000, 997", res.Started, res.Scheduled, res.Unsent)
	}
	if k := res.Flows[0].Requests[0].ErrorsByKind["cancelled"]; k != 3 {
		t.Errorf("cancelled requests = %d, want 3", k)
	}
	srv.CloseClientConnections()
	time.Sleep(50 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before+2 {
		t.Errorf("goroutines: %d before, %d after Run, want no leak", before, after)
	}
}

func TestValidate(t *testing.T) {
	cfg := flow.Config{
		BaseURL: "http://10.1.2.3:80", Rate: 0, Duration: time.Second,
		Flows: []flow.Flow{{Name: "a", Steps: []flow.Step{
			{Name: "x", Path: "/a/${later}", Capture: map[string]flow.Capture{"later": {Cookie: "c", Header: "h"}}},
			{Name: "x", Path: "b", Capture: map[string]flow.Capture{"r": {Regex: "("}}},
		}}},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{
		"base_url: 10.1.2.3 is not loopback",
		"rate: must be > 0",
		"flows[0].steps[0].path: ${later} is not captured by an earlier step",
		"flows[0].steps[0].capture.later: set exactly one of",
		`flows[0].steps[1].name: "x" used twice`,
		"flows[0].steps[1].path: must start with /",
		"flows[0].steps[1].capture.r.regex:",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v\nwant it to contain %q", err, want)
		}
	}
}

// TestObserveSeesEveryResponseBeforeTheNextStep: Observe gets each
// response's status and headers, a step's before the flow's next step is
// sent (what a read-after-write check needs).
func TestObserveSeesEveryResponseBeforeTheNextStep(t *testing.T) {
	var seen sync.Map // flow seq → observed the write
	var early atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /w/{seq}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seq", r.PathValue("seq"))
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /r/{seq}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := seen.Load(r.PathValue("seq")); !ok {
			early.Add(1)
		}
		http.Error(w, "gone", http.StatusGone)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var writes, reads atomic.Int64
	observe := func(code uint16, h http.Header) {
		switch code {
		case http.StatusCreated:
			writes.Add(1)
			seen.Store(h.Get("X-Seq"), true)
		case http.StatusGone:
			reads.Add(1)
		}
	}
	f := flow.Flow{Name: "raw", Steps: []flow.Step{
		{Name: "write", Method: "POST", Path: "/w/${flow.seq}"},
		{Name: "read", Path: "/r/${flow.seq}", Expect: flow.Expect{Status: http.StatusGone}},
	}}
	res, err := flow.Run(context.Background(), flow.Config{
		BaseURL: srv.URL, Flows: []flow.Flow{f}, Rate: 200, Duration: 250 * time.Millisecond, Seed: 1, Observe: observe,
	})
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	n := int64(res.Flows[0].Completed)
	if n == 0 || writes.Load() != n || reads.Load() != n || early.Load() != 0 {
		t.Errorf("observed %d writes, %d reads, %d reads before their write was observed; want %d, %d, 0", writes.Load(), reads.Load(), early.Load(), n, n)
	}
}
