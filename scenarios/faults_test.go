package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const faultsHead = `version: 1
defaults: {warmup: 1s, duration: 10s, cpu_budget: 0.5}
requests: [{path: /}]
load: {rate: 100}
targets:
`

func TestFaultsDecode(t *testing.T) {
	src := faultsHead + `  - name: r
    topology: replicas
    replicas: 3
    retries: false
    faults:
      - {at: 2s, action: kill, instance: 2}
      - {at: 3s, action: pause, instance: balancer, for: 1s}
      - {at: 4s, action: rolling_restart}
      - {at: 5s, action: scale, to: 4}
      - {at: 6s, action: kill, instance: 1, signal: term}
    autoscale: {min: 1, max: 4, target_cpu: 0.6}
`
	s, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tg := s.Targets[0]
	var got []string
	for _, f := range tg.Faults {
		got = append(got, strings.Join([]string{f.At.String(), f.Action, f.Instance, f.Signal, f.For.String(), f.Drain.String()}, " "))
	}
	want := []string{"2s kill 2 KILL 0s 0s", "3s pause balancer  1s 0s", "4s rolling_restart   0s 1s", "5s scale   0s 1s", "6s kill 1 TERM 0s 0s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("faults (-want +got):\n%s", diff)
	}
	if tg.Retries == nil || *tg.Retries {
		t.Errorf("Retries = %v, want false", tg.Retries)
	}
	if a := tg.Autoscale; a == nil || a.Min != 1 || a.Max != 4 || a.TargetCPU != 0.6 || a.Period.D() != 2*time.Second || a.Stabilization.D() != 10*time.Second {
		t.Errorf("Autoscale = %+v, want min 1 max 4 target 0.6 period 2s stabilization 10s", a)
	}
	if got := s.MeasuredTime(); got != 10*time.Second {
		t.Errorf("MeasuredTime() = %v, want 10s", got)
	}
}

func TestFaultsValidation(t *testing.T) {
	tests := []struct {
		name, target, want string
	}{
		{"url target", `  - {name: u, url: "http://127.0.0.1:1", faults: [{at: 1s, action: kill}]}`,
			"f.yaml:6: targets[0].faults: not used by a url target: scalebench did not start the service"},
		{"outside measured time", `  - {name: s, topology: single, faults: [{at: 10s, action: kill}]}`,
			"f.yaml:6: targets[0].faults[0].at: 10s is outside the measured time (10s"},
		{"pause past the end", `  - {name: s, topology: single, faults: [{at: 9s, action: pause, for: 2s}]}`,
			"targets[0].faults[0].for: the fault ends at 11s, after the measured time"},
		{"pause without for", `  - {name: s, topology: single, faults: [{at: 1s, action: pause}]}`,
			"targets[0].faults[0].for: required by action pause"},
		{"no balancer", `  - {name: s, topology: single, faults: [{at: 1s, action: kill, instance: balancer}]}`,
			"targets[0].faults[0]: instance: balancer: the single target has no balancer"},
		{"worker out of range", `  - {name: c, topology: cluster, workers: 2, faults: [{at: 1s, action: kill, instance: 3}]}`,
			"targets[0].faults[0]: instance: 3: the target has 2 worker(s)"},
		{"no redis", `  - {name: r, topology: replicas, faults: [{at: 1s, action: redis_down, for: 1s}]}`,
			"action redis_down: the replicas target has no Redis"},
		{"scale a cluster", `  - {name: c, topology: cluster, faults: [{at: 1s, action: scale, to: 3}]}`,
			"action scale: needs instances behind a balancer; the cluster target has none"},
		{"field of another action", `  - {name: r, topology: replicas, faults: [{at: 1s, action: kill, for: 1s}]}`,
			"targets[0].faults[0].for: not used by action kill (it takes: instance, signal)"},
		{"bad signal", `  - {name: r, topology: replicas, faults: [{at: 1s, action: kill, signal: HUP}]}`,
			"targets[0].faults[0].signal:"},
		{"unknown action", `  - {name: r, topology: replicas, faults: [{at: 1s, action: explode}]}`,
			"targets[0].faults[0].action:"},
		{"retries without balancer", `  - {name: s, topology: single, retries: false}`,
			"targets[0].retries: needs a balancer"},
		{"autoscale outside bounds", `  - {name: r, topology: replicas, replicas: 3, autoscale: {min: 1, max: 2, target_cpu: 0.5}}`,
			"targets[0].autoscale: the target starts with 3 instances, outside min 1 … max 2"},
		{"autoscale single", `  - {name: s, topology: single, autoscale: {min: 1, max: 2, target_cpu: 0.5}}`,
			"targets[0].autoscale: needs instances behind a balancer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(faultsHead+tt.target+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAutoscaleNeedsBudget(t *testing.T) {
	src := strings.Replace(faultsHead, ", cpu_budget: 0.5", "", 1) + `  - {name: r, topology: replicas, autoscale: {min: 1, max: 3, target_cpu: 0.5}}` + "\n"
	_, err := Parse("f.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "targets[0].autoscale: needs a cpu_budget") {
		t.Errorf("Parse error = %v, want autoscale to need a cpu_budget", err)
	}
}
