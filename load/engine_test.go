package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fasthttp"

	"github.com/scalebench/scalebench/results"
)

// eachEngine runs an engine-independent test once per engine, as subtests
// named after them.
func eachEngine(t *testing.T, test func(t *testing.T, engine string)) {
	for _, e := range []string{EngineNetHTTP, EngineFast} {
		t.Run(e, func(t *testing.T) { test(t, e) })
	}
}

func TestResolveEngine(t *testing.T) {
	plain, _ := url.Parse("http://127.0.0.1:8080")
	tls, _ := url.Parse("https://127.0.0.1:8443")
	tests := []struct {
		name string
		base *url.URL
		want string // engine, or "error: …" substring
	}{
		{"", plain, EngineFast},
		{EngineAuto, plain, EngineFast},
		{EngineAuto, tls, EngineNetHTTP},
		{EngineNetHTTP, plain, EngineNetHTTP},
		{EngineNetHTTP, tls, EngineNetHTTP},
		{EngineFast, plain, EngineFast},
		{EngineFast, tls, "error: plain http:// targets only"},
		{"turbo", plain, "error: engine must be one of"},
	}
	for _, tt := range tests {
		got, err := resolveEngine(tt.name, tt.base)
		if err != nil {
			got = "error: " + err.Error()
		}
		if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
			if !strings.Contains(got, want) {
				t.Errorf("resolveEngine(%q, %s) = %q, want an error containing %q", tt.name, tt.base, got, want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("resolveEngine(%q, %s) = %q, want %q", tt.name, tt.base, got, tt.want)
		}
	}
}

// countingMeter counts the responses whose X-Cache header is "hit".
type countingMeter struct{ hits, all float64 }

func (m *countingMeter) Observe(code uint16, h http.Header) {
	m.all++
	if code == 200 && h.Get("X-Cache") == "hit" {
		m.hits++
	}
}

func (m *countingMeter) Finish(st *results.Step, _ time.Duration) {
	st.Extra = map[string]float64{"hits": m.hits, "all": m.all}
}

func TestMeterSeesHeaders(t *testing.T) { eachEngine(t, testMeterSeesHeaders) }

func testMeterSeesHeaders(t *testing.T, engine string) {
	var n atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.Header().Set("X-Cache", "hit")
		}
	})
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL, MaxWorkers: 4, Meter: func() Meter { return &countingMeter{} }})
	st := run(t, g, context.Background(), Phase{Model: ModelOpen, Rate: 100, Duration: 400 * time.Millisecond})[0]
	if st.Extra["all"] != 40 || st.Extra["hits"] != 20 {
		t.Errorf("meter figures = %v, want 40 responses, 20 hits", st.Extra)
	}
	if st.Generator.Engine != engine {
		t.Errorf("generator.engine = %q, want %q", st.Generator.Engine, engine)
	}
}

func TestRunTimeoutIsCounted(t *testing.T) { eachEngine(t, testRunTimeoutIsCounted) }

func testRunTimeoutIsCounted(t *testing.T, engine string) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL, MaxWorkers: 8, Timeout: 100 * time.Millisecond})
	st := run(t, g, context.Background(), Phase{Model: ModelOpen, Rate: 20, Duration: 250 * time.Millisecond})[0]
	if st.Requests != 5 || st.ErrorsByKind[kindTimeout] != 5 {
		t.Errorf("requests %d, errors by kind %v, want 5 timeout", st.Requests, st.ErrorsByKind)
	}
}

func TestRunSendsHeadersAndBodies(t *testing.T) { eachEngine(t, testRunSendsHeadersAndBodies) }

func testRunSendsHeadersAndBodies(t *testing.T, engine string) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[fmt.Sprintf("%s %s?%s %s %s %q", r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Get("X-Token"), b)]++
		mu.Unlock()
	})
	reqs := []Request{
		{Name: "get", Path: "/items/1?full=1", Headers: http.Header{"X-Token": {"abc"}, "Host": {"example.test"}}, Weight: 1},
		{Name: "post", Method: "post", Path: "/items", Body: []byte(`{"a":1}`), Headers: http.Header{"Content-Type": {"application/json"}}, Weight: 3},
	}
	g := newGen(t, Config{Engine: engine, BaseURL: srv.URL, MaxWorkers: 4, Requests: reqs})
	st := run(t, g, context.Background(), Phase{Model: ModelOpen, Rate: 100, Duration: 400 * time.Millisecond})[0]
	want := map[string]int{
		`GET /items/1?full=1 example.test abc ""`:                        10,
		`POST /items? ` + srv.Listener.Addr().String() + `  "{\"a\":1}"`: 30,
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("requests the server saw (-want +got):\n%s", diff)
	}
	if st.BytesOut != 30*7 || st.RequestsByName["get"] != 10 || st.RequestsByName["post"] != 30 {
		t.Errorf("bytes out %d, by name %v, want 210, get 10, post 30", st.BytesOut, st.RequestsByName)
	}
}

func TestClassifyErr(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fasthttp.ErrTimeout, kindTimeout},
		{fasthttp.ErrDialTimeout, kindTimeout},
		{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), kindTimeout},
		{&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, kindRefused},
		{&net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}, kindReset},
		{fmt.Errorf("write: %w", syscall.EPIPE), kindReset},
		{fasthttp.ErrConnectionClosed, kindReset},
		{fmt.Errorf("error when reading response headers: %w", io.EOF), kindReset},
		{errors.New("something else"), kindOther},
	}
	for _, tt := range tests {
		if got := classifyErr(tt.err); got != tt.want {
			t.Errorf("classifyErr(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
