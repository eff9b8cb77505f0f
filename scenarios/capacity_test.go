package scenarios

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCapacityFields(t *testing.T) {
	src := `requests: [{path: "/work?cpu=2ms"}]
load:
  search: {from: 50, to: 800, resolution: 0.1, max_time: 90s}
slo: {p99: 50ms, target_rate: 300}
defaults: {allow_oversubscribe: true}
targets:
  - {name: rep, topology: replicas, replicas: [1, 2, 4]}
  - {topology: cluster, workers: [1, 3]}
`
	s, err := Parse("cap.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *s.Load.Search, (Search{From: 50, To: 800, Resolution: 0.1, MaxTime: Duration(90e9)}); got != want {
		t.Errorf("search = %+v, want %+v", got, want)
	}
	if s.SLO.TargetRate != 300 || !s.Defaults.AllowOversubscribe {
		t.Errorf("target_rate %v, allow_oversubscribe %v", s.SLO.TargetRate, s.Defaults.AllowOversubscribe)
	}
	if diff := cmp.Diff([]int{1, 2, 4}, s.Targets[0].Sweep); diff != "" || s.Targets[0].Replicas != 1 {
		t.Errorf("replicas sweep %v (replicas %d)", s.Targets[0].Sweep, s.Targets[0].Replicas)
	}
	if diff := cmp.Diff([]int{1, 3}, s.Targets[1].Sweep); diff != "" || s.Targets[1].Workers != 1 {
		t.Errorf("workers sweep %v (workers %d)", s.Targets[1].Sweep, s.Targets[1].Workers)
	}
}

func TestCapacityProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"search needs slo", "requests: [{path: /}]\nload:\n  search: {from: 10, to: 100}\ntargets: [{topology: single}]\n",
			"x.yaml:3: load.search: needs an slo"},
		{"search bounds", "requests: [{path: /}]\nload:\n  search: {from: 100, to: 50, resolution: 2}\nslo: {p99: 1s}\ntargets: [{topology: single}]\n",
			"x.yaml:3: load.search.resolution: must be a fraction"},
		{"search to above from", "requests: [{path: /}]\nload:\n  search: {from: 100, to: 50}\nslo: {p99: 1s}\ntargets: [{topology: single}]\n",
			"x.yaml:3: load.search.to: must be above from (100), got 50"},
		{"search needs to", "requests: [{path: /}]\nload:\n  search: {from: 100}\nslo: {p99: 1s}\ntargets: [{topology: single}]\n",
			"x.yaml:3: load.search.to: required"},
		{"search and rate", "requests: [{path: /}]\nload:\n  rate: 5\n  search: {from: 1, to: 2}\nslo: {p99: 1s}\ntargets: [{topology: single}]\n",
			"x.yaml:4: load.search: cannot be combined with rate"},
		{"sizes increase", "requests: [{path: /}]\nload: {rate: 5}\ntargets:\n  - topology: replicas\n    replicas: [2, 1]\n",
			"x.yaml:5: targets[0].replicas[1]: sizes must increase, got 1 after 2"},
		{"target rate needs sweep", "requests: [{path: /}]\nload: {rate: 5}\nslo:\n  target_rate: 100\ntargets: [{topology: replicas, replicas: 2}]\n",
			"x.yaml:4: slo.target_rate: needs a target with a size sweep"},
	}
	for _, tt := range tests {
		_, err := Parse("x.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse error = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
