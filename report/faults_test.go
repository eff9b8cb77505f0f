package report

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

func f64(x float64) *float64 { return &x }

// withFaults is the quickstart fixture with faults on two targets and a
// scale on one.
func withFaults(t *testing.T) *results.Run {
	t.Helper()
	r := fixture(t, "quickstart.json")
	r.Targets[1].Faults = []results.Fault{
		{Action: "rolling_restart", AtS: 1, EndS: 3, RecoveryS: f64(0.004)},
		{Action: "kill", Instance: "2", Signal: "KILL", AtS: 4, EndS: 4, Errors: 14, ErrorsByKind: map[string]uint64{"status_502": 14}, RecoveryS: f64(1.2), MaxLatencyMs: 250, ReplacedAfterS: f64(0.3)},
	}
	r.Targets[2].Faults = []results.Fault{{Action: "pause", Instance: "1", AtS: 2, EndS: 3, MaxLatencyMs: 1000}}
	r.Targets[2].ScaleEvents = []results.ScaleEvent{{AtS: 2, ReadyS: 2.5, From: 2, To: 3, Reason: "fault"}}
	r.Targets[0].ScaleEvents = []results.ScaleEvent{{AtS: 2.1, ReadyS: 2.5, From: 1, To: 3, Utilization: 1.9, Reason: "autoscale", Errors: 2}}
	for i := range r.Targets[2].Steps[0].Timeline {
		r.Targets[2].Steps[0].Timeline[i].Instances = 2 + i%2
	}
	return r
}

func TestFaultLines(t *testing.T) {
	r := withFaults(t)
	got := Analyze(r).Faults
	d := r.Targets[1].Deployment.Instances
	unit := "instance"
	if r.Targets[1].Topology == "cluster" {
		unit = "worker"
	}
	want := []string{
		r.Targets[1].Name + ": rolling restart: 0 failed requests, recovered in 4 ms; kill -9 of " + unit + " 2 of " + itoa(d) + ": 14 failed requests (status_502 14), recovered in 1.2 s, max latency 250 ms, replacement served after 300 ms",
		r.Targets[2].Name + ": pause of instance 1 of " + itoa(r.Targets[2].Deployment.Instances) + ": 0 failed requests, not recovered within the measured time, max latency 1 s",
		r.Targets[0].Name + ": autoscale: 1 → 3 at 2.1 s (utilization 190%), effective 400 ms later, 2 failed requests meanwhile",
		"kept users' requests alive best: " + r.Targets[2].Name + " (0 failed requests over 1 fault); lost the most: " + r.Targets[1].Name + " (14 failed requests)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Analyze().Faults (-want +got):\n%s", diff)
	}
}

func TestChartsMarkScaling(t *testing.T) {
	charts, err := Charts([]*results.Run{withFaults(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(charts, func(c Chart) bool { return c.File == "charts/instances-over-time.png" && len(c.PNG) > 0 }) {
		t.Errorf("Charts() has no instances-over-time chart for a run that scaled")
	}
	plain, err := Charts([]*results.Run{fixture(t, "quickstart.json")})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(plain, func(c Chart) bool { return c.File == "charts/instances-over-time.png" }) {
		t.Errorf("Charts() draws instances over time for a run that never scaled")
	}
}

func itoa(n int) string { return Number(float64(n)) }
