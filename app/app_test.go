package app

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler("instance-7", 3))
	defer srv.Close()
	tests := []struct {
		path string
		want int
	}{
		{"/", 200},
		{"/healthz", 200},
		{"/work?cpu=2ms", 200},
		{"/work?cpu=1", 200},
		{"/work?cpu=0", 200},
		{"/work", 400},
		{"/work?cpu=abc", 400},
		{"/work?cpu=-1ms", 400},
		{"/work?cpu=11s", 400},
		{"/work?cpu=NaN", 400},
		{"/io?delay=2ms", 200},
		{"/io?delay=2m", 400},
		{"/nope", 404},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s = %d %q, want %d", tt.path, resp.StatusCode, body, tt.want)
		}
		if got := resp.Header.Get(InstanceHeader); got != "instance-7" {
			t.Errorf("GET %s: %s = %q, want %q", tt.path, InstanceHeader, got, "instance-7")
		}
	}
}

func TestRootBody(t *testing.T) {
	srv := httptest.NewServer(Handler("instance-1", 2))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"instance": "instance-1", "pid": float64(os.Getpid()), "worker": float64(2)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET / body mismatch (-want +got):\n%s", diff)
	}
}

func TestBalancerPolicies(t *testing.T) {
	var ups []string
	for _, id := range []string{"a", "b", "c"} {
		s := httptest.NewServer(Handler(id, 0))
		defer s.Close()
		ups = append(ups, s.Listener.Addr().String())
	}
	for _, policy := range []string{RoundRobin, LeastConn} {
		t.Run(policy, func(t *testing.T) {
			h, err := NewBalancer(ups, policy)
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(h)
			defer front.Close()
			got := map[string]int{}
			for range 30 {
				resp, err := http.Get(front.URL + "/")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				got[resp.Header.Get(InstanceHeader)]++
			}
			want := map[string]int{"a": 10, "b": 10, "c": 10}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("responses per instance (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLeastConnAvoidsBusy holds a slow request on one upstream and checks
// that least_conn sends the next requests elsewhere.
func TestLeastConnAvoidsBusy(t *testing.T) {
	a := httptest.NewServer(Handler("a", 0))
	defer a.Close()
	b := httptest.NewServer(Handler("b", 0))
	defer b.Close()
	h, err := NewBalancer([]string{a.Listener.Addr().String(), b.Listener.Addr().String()}, LeastConn)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(h)
	defer front.Close()
	var wg sync.WaitGroup
	wg.Go(func() {
		resp, err := http.Get(front.URL + "/io?delay=300ms") // goes to a
		if err == nil {
			resp.Body.Close()
		}
	})
	time.Sleep(100 * time.Millisecond)
	got := map[string]int{}
	for range 4 {
		resp, err := http.Get(front.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got[resp.Header.Get(InstanceHeader)]++
	}
	wg.Wait()
	if diff := cmp.Diff(map[string]int{"b": 4}, got); diff != "" {
		t.Errorf("least_conn with a busy: responses (-want +got):\n%s", diff)
	}
}

func TestNewBalancerErrors(t *testing.T) {
	tests := []struct {
		ups    []string
		policy string
	}{
		{nil, RoundRobin},
		{[]string{"127.0.0.1:1"}, "random"},
		{[]string{"no-port"}, RoundRobin},
	}
	for _, tt := range tests {
		if _, err := NewBalancer(tt.ups, tt.policy); err == nil {
			t.Errorf("NewBalancer(%v, %q) = nil error, want one", tt.ups, tt.policy)
		}
	}
}

func TestWorkerCgroupsRoundTrip(t *testing.T) {
	in := [][]string{{"/a/cpu", "/a/mem"}, {"/b/cpu"}}
	got := ParseWorkerCgroups(FormatWorkerCgroups(in))
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("ParseWorkerCgroups(FormatWorkerCgroups(x)) mismatch (-want +got):\n%s", diff)
	}
}

// An upstream that refuses connections (a dead replica) costs no request:
// it is skipped and the request goes to the next upstream, as with nginx's
// proxy_next_upstream error.
func TestBalancerSkipsDeadUpstream(t *testing.T) {
	live := httptest.NewServer(Handler("live", 0))
	defer live.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	for _, policy := range []string{RoundRobin, LeastConn} {
		t.Run(policy, func(t *testing.T) {
			h, err := NewBalancer([]string{dead, live.Listener.Addr().String()}, policy)
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(h)
			defer front.Close()
			for i := range 10 {
				resp, err := http.Get(front.URL + "/")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || resp.Header.Get(InstanceHeader) != "live" {
					t.Errorf("request %d: status %d from %q, want 200 from live", i, resp.StatusCode, resp.Header.Get(InstanceHeader))
				}
			}
		})
	}
}
