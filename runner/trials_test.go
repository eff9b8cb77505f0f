package runner

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
)

func TestRotate(t *testing.T) {
	list := []scenarios.Target{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	for k, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		var got []string
		for _, tg := range rotate(list, k) {
			got = append(got, tg.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rotate(trial %d) (-want +got):\n%s", k, diff)
		}
	}
}

func TestTrialCount(t *testing.T) {
	sc := &scenarios.Scenario{Defaults: scenarios.Defaults{Trials: 3}}
	for _, tc := range []struct {
		opts Options
		want int
	}{{Options{}, 3}, {Options{Trials: 2}, 2}, {Options{Quick: true}, 1}, {Options{Quick: true, Trials: 4}, 4}} {
		if got := trialCount(sc, tc.opts); got != tc.want {
			t.Errorf("trialCount(%+v) = %d, want %d", tc.opts, got, tc.want)
		}
	}
}

func TestPoolTargetFirstFailureWins(t *testing.T) {
	ok := &results.Target{Name: "a", Status: results.StatusOK, Steps: []results.Step{{Index: 0, Requests: 10, Valid: true}}}
	bad := &results.Target{Name: "a", Status: results.StatusFailed, Error: "boom", Steps: []results.Step{{Index: 0, Requests: 5, Valid: false}}}
	got := poolTarget([]*results.Target{ok, bad}, nil)
	if got.Status != results.StatusFailed || got.Error != "trial 2: boom" || len(got.Steps) != 1 || got.Steps[0].Requests != 15 || got.Steps[0].Valid {
		t.Errorf("poolTarget = status %q error %q steps %+v; want failed, %q, one invalid step of 15 requests", got.Status, got.Error, got.Steps, "trial 2: boom")
	}
}
