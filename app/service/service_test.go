package service

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTraceparent(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", false}, // zero trace id
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false}, // zero span id
		{"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false}, // forbidden version
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false}, // upper case
		{"", false},
	} {
		if _, ok := ParseTraceparent(tc.in); ok != tc.ok {
			t.Errorf("ParseTraceparent(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
	tr := NewTrace()
	c := tr.Child()
	back, ok := ParseTraceparent(c.String())
	if !ok || back.TraceID != tr.TraceID || back.SpanID == tr.SpanID {
		t.Errorf("Child of %v = %v (parsed %v, %v): want the same trace, a new span", tr, c, back, ok)
	}
}

func TestGraph(t *testing.T) {
	g := Graph{"core": {Calls: []string{"auth", "pay", "auth"}}, "auth": {}, "pay": {Calls: []string{"ledger"}}, "ledger": {}}
	order, err := g.Order()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"auth", "ledger", "pay", "core"}, order); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"core": 1, "auth": 2, "pay": 1, "ledger": 1}, g.Fanout("core")); diff != "" {
		t.Errorf("Fanout (-want +got):\n%s", diff)
	}
	bad := Graph{"a": {Calls: []string{"b"}}, "b": {Calls: []string{"a"}}, "c": {Calls: []string{"zz"}}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), `unknown service "zz"`) {
		t.Errorf("Validate = %v, want the unknown callee", err)
	}
	if _, err := (Graph{"a": {Calls: []string{"b"}}, "b": {Calls: []string{"a"}}}).Order(); err == nil {
		t.Error("Order of a cycle: no error")
	}
}

// TestHandlerPropagates: one instance of core calls its HTTP callee with
// the caller's trace id and a new span, counts the call, and answers with
// its own span in traceresponse.
func TestHandlerPropagates(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get(TraceHeader))
		mu.Unlock()
	}))
	defer callee.Close()
	h, err := New(context.Background(), Options{Self: "core", ID: "core-1",
		Graph:   Graph{"core": {CPUUs: 200, Calls: []string{"auth", "auth"}}, "auth": {}},
		Callees: map[string]string{"auth": callee.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := NewTrace()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/checkout", nil)
	req.Header.Set(TraceHeader, tr.String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	own, _ := ParseTraceparent(resp.Header.Get(TraceResponseHeader))
	if resp.StatusCode != 200 || own.TraceID != tr.TraceID || own.SpanID == tr.SpanID {
		t.Fatalf("status %d traceresponse %q: want 200 and a new span of %s", resp.StatusCode, resp.Header.Get(TraceResponseHeader), tr.TraceID)
	}
	if len(seen) != 2 {
		t.Fatalf("callee saw %q, want 2 calls", seen)
	}
	for _, s := range seen {
		path, tp, _ := strings.Cut(s, " ")
		got, ok := ParseTraceparent(tp)
		if path != "/api/auth" || !ok || got.TraceID != tr.TraceID || got.SpanID == own.SpanID {
			t.Errorf("callee got %q, want /api/auth with a child span of trace %s", s, tr.TraceID)
		}
	}
	st := getStats(t, srv.URL)
	core := st.Services["core"]
	if core.Requests != 1 || core.Calls["auth"] != 2 || core.BurnUs < 200 || core.WaitUs <= 0 {
		t.Errorf("core figures %+v, want 1 request, 2 calls to auth, ≥ 200 µs burned, some wait", core)
	}
}

// TestMonolithInProcess: the monolith runs the whole graph in one
// process, counting each module, the queue hop done in the background.
func TestMonolithInProcess(t *testing.T) {
	h, err := New(context.Background(), Options{Entry: "core", ID: "m-1",
		Graph: Graph{"core": {Calls: []string{"auth", "mail"}}, "auth": {CPUUs: 100}, "mail": {Queue: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	for range 5 {
		resp, err := http.Get(srv.URL + "/api/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var st Stats
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st = getStats(t, srv.URL); st.Services["mail"].Requests == 5 {
			break
		}
	}
	for _, n := range []string{"core", "auth", "mail"} {
		if st.Services[n].Requests != 5 {
			t.Errorf("%s handled %d, want 5", n, st.Services[n].Requests)
		}
	}
}

func getStats(t *testing.T, base string) Stats {
	t.Helper()
	resp, err := http.Get(base + StatsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
