package runner

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// fakeDep is a deployment whose fault actions only record their calls.
type fakeDep struct {
	mu    sync.Mutex
	calls []string
	n     int
}

func (f *fakeDep) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeDep) Endpoint() string { return "http://127.0.0.1:1" }
func (f *fakeDep) Info() results.Deployment {
	f.mu.Lock()
	defer f.mu.Unlock()
	return results.Deployment{Driver: "fake", Instances: f.n}
}
func (f *fakeDep) Sample(context.Context) (targets.Usage, error) { return targets.Usage{}, nil }
func (f *fakeDep) Err() error                                    { return nil }
func (f *fakeDep) Logs() map[string]string                       { return nil }
func (f *fakeDep) Down(context.Context) error                    { return nil }

func (f *fakeDep) Kill(_ context.Context, instance, signal string) (time.Time, error) {
	f.record("kill " + instance + " " + signal)
	return time.Now().Add(10 * time.Millisecond), nil
}
func (f *fakeDep) Pause(ctx context.Context, instance string, d time.Duration) error {
	f.record("pause " + instance)
	sleep(ctx, d)
	return nil
}
func (f *fakeDep) RollingRestart(context.Context, time.Duration) error {
	f.record("rolling_restart")
	return errors.New("instance 2 did not come back")
}
func (f *fakeDep) RedisDown(context.Context, time.Duration) error { return nil }
func (f *fakeDep) Scale(_ context.Context, to int, _ time.Duration) error {
	f.record("scale")
	f.mu.Lock()
	f.n = to
	f.mu.Unlock()
	return nil
}

func TestFaultTimeline(t *testing.T) {
	sc := &scenarios.Scenario{Defaults: scenarios.Defaults{Duration: scenarios.Duration(400 * time.Millisecond)}, Load: scenarios.LoadShape{Rate: 10}}
	tg := scenarios.Target{Name: "t", Faults: []scenarios.Fault{
		{At: scenarios.Duration(20 * time.Millisecond), Action: scenarios.FaultKill, Instance: "2", Signal: "KILL"},
		{At: scenarios.Duration(40 * time.Millisecond), Action: scenarios.FaultPause, For: scenarios.Duration(50 * time.Millisecond)},
		{At: scenarios.Duration(60 * time.Millisecond), Action: scenarios.FaultRollingRestart},
		{At: scenarios.Duration(80 * time.Millisecond), Action: scenarios.FaultScale, To: 3},
		{At: scenarios.Duration(time.Second), Action: scenarios.FaultKill, Signal: "KILL"},
	}}
	dep := &fakeDep{n: 2}
	fr := withFaults(context.Background(), sc, tg, dep, nopObserver{}, false)
	start := time.Now()
	fr.PhaseStarted("t", load.Phase{Discard: true}, 0) // the warm-up starts nothing
	if len(dep.calls) != 0 || !fr.t0.IsZero() {
		t.Fatalf("faults started with the warm-up")
	}
	fr.PhaseStarted("t", load.Phase{}, 0)
	time.Sleep(300 * time.Millisecond)
	tr := &results.Target{Steps: []results.Step{{StartedAt: start, Timeline: []results.Point{{T: 0, Requests: 10, P99: 5, Max: 6}}}}}
	fr.finish(tr)

	if len(tr.Faults) != 5 {
		t.Fatalf("%d faults recorded, want 5: %+v", len(tr.Faults), tr.Faults)
	}
	kill, pause, rr, scale, late := tr.Faults[0], tr.Faults[1], tr.Faults[2], tr.Faults[3], tr.Faults[4]
	if kill.Instance != "2" || kill.ReplacedAfterS == nil || *kill.ReplacedAfterS <= 0 || kill.EndS != kill.AtS {
		t.Errorf("kill = %+v, want instance 2, a replacement time, end = at", kill)
	}
	if pause.Instance != "1" || pause.EndS-pause.AtS < 0.05 {
		t.Errorf("pause = %+v, want instance 1 (the default) lasting ≥ 50 ms", pause)
	}
	if rr.Error != "instance 2 did not come back" {
		t.Errorf("rolling restart error = %q, want the driver's", rr.Error)
	}
	if scale.Error != "" || len(tr.ScaleEvents) != 1 || tr.ScaleEvents[0].From != 2 || tr.ScaleEvents[0].To != 3 {
		t.Errorf("scale = %+v, events %+v; want one event 2 → 3", scale, tr.ScaleEvents)
	}
	if late.Error == "" || late.AtS != 1 {
		t.Errorf("fault after the measured time = %+v, want not carried out at its planned time", late)
	}
	if len(tr.Warnings) != 2 {
		t.Errorf("warnings = %q, want the failed rolling restart and the fault not carried out", tr.Warnings)
	}
	if got := tr.Steps[0].Timeline[0].Instances; got != 2 {
		t.Errorf("timeline instances at t=0 = %d, want 2 (before the scale)", got)
	}
}

// hpaDep is a deployment whose cluster autoscales it: the HPA's replica
// count moves 2 → 4 → 3 and the runner only follows.
type hpaDep struct {
	staticDep
	mu       sync.Mutex
	reads    int
	followed []int
}

func (h *hpaDep) Info() results.Deployment {
	return results.Deployment{Driver: "kubernetes", Instances: 2}
}
func (h *hpaDep) AutoscaledReplicas(context.Context) (int, float64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reads++
	switch {
	case h.reads < 3:
		return 2, 0.5, nil
	case h.reads < 6:
		return 4, 1.2, nil
	}
	return 3, 0.4, nil
}
func (h *hpaDep) Follow(_ context.Context, n int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.followed = append(h.followed, n)
	return nil
}

// Under a cluster autoscaler the runner makes no decision of its own: it
// records each change of the HPA's count as a scale event.
func TestAutoscaleFollowsTheCluster(t *testing.T) {
	sc := &scenarios.Scenario{Defaults: scenarios.Defaults{Duration: scenarios.Duration(time.Second)}, Load: scenarios.LoadShape{Rate: 10}}
	tg := scenarios.Target{Name: "t", Autoscale: &scenarios.Autoscale{Min: 1, Max: 4, TargetCPU: 0.6, Period: scenarios.Duration(10 * time.Millisecond)}}
	dep := &hpaDep{}
	fr := withFaults(context.Background(), sc, tg, dep, nopObserver{}, false)
	start := time.Now()
	fr.PhaseStarted("t", load.Phase{}, 0)
	time.Sleep(200 * time.Millisecond)
	tr := &results.Target{Steps: []results.Step{{StartedAt: start, Timeline: []results.Point{{T: 0, Requests: 10}}}}}
	fr.finish(tr)
	dep.mu.Lock()
	defer dep.mu.Unlock()
	if len(dep.followed) != 2 || dep.followed[0] != 4 || dep.followed[1] != 3 {
		t.Errorf("followed %v, want [4 3]", dep.followed)
	}
	if len(tr.ScaleEvents) != 2 || tr.ScaleEvents[0].From != 2 || tr.ScaleEvents[0].To != 4 || tr.ScaleEvents[0].Utilization != 1.2 || tr.ScaleEvents[1].To != 3 || tr.ScaleEvents[0].Reason != "autoscale" {
		t.Errorf("scale events %+v, want 2 → 4 (at 120%%) and 4 → 3", tr.ScaleEvents)
	}
	if len(tr.Warnings) != 1 || !strings.Contains(tr.Warnings[0], "HorizontalPodAutoscaler") {
		t.Errorf("warnings %q, want the note that the cluster's HPA decides", tr.Warnings)
	}
}
