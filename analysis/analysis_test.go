package analysis

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

// step is a synthetic step at 100 req/s with p99 and its interval.
func step(p99, lo, hi float64) results.Step {
	return results.Step{Index: 0, Model: "open", OfferedRate: 100, Requests: 1000, Valid: true,
		Latency:   results.Latency{P50: p99 / 3, P99: p99, Max: 2 * p99},
		LatencyCI: &results.LatencyCI{P99: results.Interval{lo, hi}}}
}

func target(name string, steps ...results.Step) results.Target {
	return results.Target{Name: name, Status: results.StatusOK, Steps: steps}
}

func run(ts ...results.Target) *results.Run { return &results.Run{Targets: ts} }

func TestLevelVerdicts(t *testing.T) {
	invalid := step(1, 0.9, 1.1)
	invalid.Valid = false
	sloFail := step(1, 0.9, 1.1)
	sloFail.SLOPassed = new(bool)
	short := step(5, 1, 50)
	short.CINotEnoughData = []string{"p99"}
	failed := target("broken", step(1, 0.9, 1.1))
	failed.Status = results.StatusFailed
	for _, tc := range []struct {
		name     string
		run      *results.Run
		winner   string
		tied     []string
		excluded []string
	}{
		{"clear winner", run(target("a", step(10, 9.5, 10.5)), target("b", step(20, 19, 21))), "a", []string{}, nil},
		{"overlapping intervals tie", run(target("a", step(10, 8, 12)), target("b", step(10.5, 8.5, 12.5))), "", []string{"a", "b"}, nil},
		{"significant but below minimum effect", run(target("a", step(10, 9.99, 10.01)), target("b", step(10.2, 10.19, 10.21))), "", []string{"a", "b"}, nil},
		{"winner and a tie behind it do not mix", run(target("a", step(10, 9.5, 10.5)), target("b", step(10.3, 9.8, 10.8)), target("c", step(30, 29, 31))), "", []string{"a", "b"}, nil},
		{"invalid step excluded", run(target("a", step(10, 9.5, 10.5)), target("b", invalid)), "a", []string{}, []string{"b: invalid step"}},
		{"failed SLO excluded", run(target("a", step(10, 9.5, 10.5)), target("b", sloFail)), "a", []string{}, []string{"b: failed the SLO"}},
		{"failed target excluded", run(target("a", step(10, 9.5, 10.5)), failed), "a", []string{}, []string{"broken: target failed"}},
		{"too few requests ties", run(target("a", step(2, 1.9, 2.1)), target("b", short)), "", []string{"a", "b"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Of(tc.run, 0)
			if len(a.Levels) != 1 {
				t.Fatalf("Of: %d levels, want 1", len(a.Levels))
			}
			lv := a.Levels[0]
			got := ""
			if lv.Winner != nil {
				got = *lv.Winner
			}
			if got != tc.winner {
				t.Errorf("winner = %q, want %q (%s)", got, tc.winner, lv.Reason)
			}
			if diff := cmp.Diff(tc.tied, lv.Tied); diff != "" {
				t.Errorf("tied (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.excluded, lv.Excluded); diff != "" {
				t.Errorf("excluded (-want +got):\n%s", diff)
			}
			if tc.winner == "" && !strings.Contains(lv.Reason, "no clear difference") {
				t.Errorf("reason = %q, want it to say there is no clear difference", lv.Reason)
			}
		})
	}
}

func TestTrialsAreCompared(t *testing.T) {
	withTrials := func(p99s ...float64) results.Step {
		s := step(p99s[0], 0, 1000) // a useless interval: the trials decide
		for i, p := range p99s {
			s.Trials = append(s.Trials, results.Trial{Trial: i + 1, P99: p})
		}
		return s
	}
	a := Of(run(target("a", withTrials(10, 10.2, 9.9, 10.1)), target("b", withTrials(20, 21, 19.5, 20.5))), 0)
	if w := a.Levels[0].Winner; w == nil || *w != "a" {
		t.Errorf("winner = %v, want a (%s)", w, a.Levels[0].Reason)
	}
}

func TestStandingsAndHeadline(t *testing.T) {
	slo := &results.SLO{P99Ms: 15}
	pass, fail := true, false
	a1, a2 := step(10, 9.5, 10.5), step(12, 11, 13)
	a2.Index, a2.OfferedRate = 1, 200
	a1.SLOPassed, a2.SLOPassed = &pass, &pass
	b1, b2 := step(20, 19, 21), step(40, 38, 42)
	b2.Index, b2.OfferedRate = 1, 200
	b1.SLOPassed, b2.SLOPassed = &fail, &fail
	ta, tb := target("a", a1, a2), target("b", b1, b2)
	ta.CapacityRate = 200
	r := run(ta, tb)
	r.SLO = slo
	a := Of(r, 0)
	if a.Targets[0].Wins != 2 || a.Targets[1].Wins != 0 {
		t.Errorf("wins = %d, %d; want 2, 0", a.Targets[0].Wins, a.Targets[1].Wins)
	}
	if !strings.Contains(a.Targets[0].CapacityReason, "capacity 200 req/s") {
		t.Errorf("capacity reason = %q", a.Targets[0].CapacityReason)
	}
	if !strings.Contains(a.Headline, "top load (200 req/s) a") || !strings.Contains(a.Headline, "a clearly best at 2 of 2 levels") {
		t.Errorf("headline = %q", a.Headline)
	}
	if !slices.Contains(a.Levels[1].Excluded, "b: failed the SLO") {
		t.Errorf("excluded = %v", a.Levels[1].Excluded)
	}
}
