package runner

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/agents"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// staticDep is a Deployment of an in-process HTTP server (unit tests).
type staticDep struct{ url string }

func (d staticDep) Endpoint() string                              { return d.url }
func (d staticDep) Info() results.Deployment                      { return results.Deployment{} }
func (d staticDep) Sample(context.Context) (targets.Usage, error) { return targets.Usage{}, nil }
func (d staticDep) Err() error                                    { return nil }
func (d staticDep) Logs() map[string]string                       { return nil }
func (d staticDep) Down(context.Context) error                    { return nil }

// agentServer runs an agents.Server in-process and returns its client.
func agentServer(t *testing.T, i int) *agents.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go (&agents.Server{Token: "t"}).Serve(ctx, ln)
	return &agents.Client{Index: i, URL: "http://" + ln.Addr().String(), Token: "t"}
}

func agentsFor(t *testing.T, clients ...*agents.Client) *agentsWorkload {
	t.Helper()
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(target.Close)
	return &agentsWorkload{
		pool:    &agents.Pool{Clients: clients},
		job:     agents.Job{BaseURL: target.URL, Requests: []load.Request{{Name: "root", Method: "GET", Path: "/", Weight: 1}}, Timeout: time.Second},
		dep:     staticDep{target.URL},
		workers: 16,
	}
}

var step = load.Phase{Model: load.ModelOpen, Rate: 200, Duration: 500 * time.Millisecond}

// Two agents each send half; the merged step holds both.
func TestAgentsMerge(t *testing.T) {
	w := agentsFor(t, agentServer(t, 0), agentServer(t, 1))
	steps, err := w.Run(context.Background(), step)
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps %v, err %v", steps, err)
	}
	s := steps[0]
	if s.Requests != 100 || s.Scheduled != 100 || len(s.Agents) != 2 || s.Agents[0].Requests != 50 || s.Agents[1].Requests != 50 {
		t.Fatalf("merged: requests %d scheduled %d agents %+v", s.Requests, s.Scheduled, s.Agents)
	}
}

// An agent that does not answer makes the step invalid with the reason.
func TestAgentsLost(t *testing.T) {
	dead := &agents.Client{Index: 1, URL: "http://127.0.0.1:1", Token: "t"}
	w := agentsFor(t, agentServer(t, 0), dead)
	steps, err := w.Run(context.Background(), step)
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps %v, err %v", steps, err)
	}
	if s := steps[0]; s.Valid || s.Requests != 0 || !strings.Contains(strings.Join(s.Warnings, "\n"), "agent 1 lost before the step") {
		t.Errorf("lost agent: valid %v, requests %d, warnings %v", s.Valid, s.Requests, s.Warnings)
	}
}

// An agent whose clock is 20 ms off gets no share: the step is refused.
func TestAgentsClockRefused(t *testing.T) {
	skewed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(agents.ClockReply{UnixNano: time.Now().Add(20 * time.Millisecond).UnixNano()})
	}))
	defer skewed.Close()
	w := agentsFor(t, agentServer(t, 0), &agents.Client{Index: 1, URL: skewed.URL})
	steps, err := w.Run(context.Background(), step)
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps %v, err %v", steps, err)
	}
	if s := steps[0]; s.Valid || s.Requests != 0 || !strings.Contains(s.Warnings[0], "clocks disagree") {
		t.Errorf("skewed clock: valid %v, requests %d, warnings %v", s.Valid, s.Requests, s.Warnings)
	}
}

// An agent lost during the step (its connection drops): the step keeps the
// other agent's share and is invalid with the reason.
func TestAgentsLostMidStep(t *testing.T) {
	dying := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/clock" {
			_ = json.NewEncoder(w).Encode(agents.ClockReply{UnixNano: time.Now().UnixNano()})
			return
		}
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
	}))
	defer dying.Close()
	w := agentsFor(t, agentServer(t, 0), &agents.Client{Index: 1, URL: dying.URL})
	steps, err := w.Run(context.Background(), step)
	if err != nil || len(steps) != 1 {
		t.Fatalf("steps %v, err %v", steps, err)
	}
	s := steps[0]
	if s.Valid || s.Requests != 50 || len(s.Agents) != 2 || s.Agents[1].Valid || !strings.Contains(strings.Join(s.Warnings, "\n"), "agent 1 lost") {
		t.Errorf("lost mid-step: valid %v, requests %d, agents %+v, warnings %v", s.Valid, s.Requests, s.Agents, s.Warnings)
	}
}

type clusterDep struct{ staticDep }

func (clusterDep) ClusterEndpoint() string { return "http://balancer.scalebench-r1.svc:8080" }

// Agents inside the cluster send load to the target's in-cluster Service
// (not loopback, but the run's own), other agents to its endpoint.
func TestAgentsBaseURL(t *testing.T) {
	local, inCluster := &agents.Pool{}, &agents.Pool{InCluster: true}
	for _, tc := range []struct {
		name       string
		pool       *agents.Pool
		dep        targets.Deployment
		want       string
		wantRemote bool
		wantErr    bool
	}{
		{"local agents, cluster target", local, clusterDep{staticDep{"http://127.0.0.1:4000"}}, "http://127.0.0.1:4000", false, false},
		{"cluster agents, cluster target", inCluster, clusterDep{staticDep{"http://127.0.0.1:4000"}}, "http://balancer.scalebench-r1.svc:8080", true, false},
		{"cluster agents, local target", inCluster, staticDep{"http://127.0.0.1:4000"}, "", false, true},
	} {
		got, remote, err := agentsBaseURL(tc.pool, tc.dep, scenarios.Target{Name: "t"})
		if got != tc.want || remote != tc.wantRemote || (err != nil) != tc.wantErr {
			t.Errorf("%s: agentsBaseURL = %q, %v, %v; want %q, %v, error %v", tc.name, got, remote, err, tc.want, tc.wantRemote, tc.wantErr)
		}
	}
}
