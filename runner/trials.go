package runner

import (
	"fmt"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/stats"
)

// trialCount is how many trials to run: the option, else the scenario's
// defaults.trials (one for a quick smoke run, which is not for decisions),
// else 1.
func trialCount(sc *scenarios.Scenario, opts Options) int {
	switch {
	case opts.Trials > 0:
		return opts.Trials
	case opts.Quick:
		return 1
	case sc.Defaults.Trials > 0:
		return sc.Defaults.Trials
	}
	return 1
}

// minEffect is the verdicts' minimum effect: the option, else the
// scenario's defaults.min_effect (analysis applies its own default).
func minEffect(sc *scenarios.Scenario, opts Options) float64 {
	if opts.MinEffect > 0 {
		return opts.MinEffect
	}
	return sc.Defaults.MinEffect
}

// rotate is the target order of trial k (0-based): trial 0 runs A B C,
// trial 1 B C A, trial 2 C A B, so a drift on the machine during the run
// hits every target alike.
func rotate(list []scenarios.Target, k int) []scenarios.Target {
	if len(list) == 0 {
		return nil
	}
	k %= len(list)
	out := append([]scenarios.Target{}, list[k:]...)
	return append(out, list[:k]...)
}

// trialStore keeps every target's measurement of every trial so far.
type trialStore map[string][]*results.Target

// failed reports whether name already failed in an earlier trial: it is
// not brought up again.
func (s trialStore) failed(name string) bool {
	for _, t := range s[name] {
		if t.Status == results.StatusFailed {
			return true
		}
	}
	return false
}

// targets pools the trials of each target measured so far, in scenario
// order (list).
func (s trialStore) targets(list []scenarios.Target, slo *scenarios.SLO) []results.Target {
	out := make([]results.Target, 0, len(list))
	for _, t := range list {
		if trs := s[t.Name]; len(trs) > 0 {
			out = append(out, poolTarget(trs, slo))
		}
	}
	return out
}

// poolTarget combines one target's trials: steps pooled by index
// (stats.Pool), the first failure's status and error, every warning
// (prefixed with its trial), and the SLO verdict judged again on the
// pooled steps.
func poolTarget(trs []*results.Target, slo *scenarios.SLO) results.Target {
	if len(trs) == 1 {
		return *trs[0]
	}
	t := *trs[0]
	t.Steps, t.Warnings, t.SLOPassed, t.CapacityRate = nil, nil, nil, 0
	t.FinishedAt = trs[len(trs)-1].FinishedAt
	byIndex := map[int][]results.Step{}
	var order []int
	for k, tr := range trs {
		if tr.Status != results.StatusOK && t.Status == results.StatusOK {
			t.Status, t.Error, t.Logs = tr.Status, fmt.Sprintf("trial %d: %s", k+1, tr.Error), tr.Logs
		}
		for _, w := range tr.Warnings {
			t.Warnings = append(t.Warnings, fmt.Sprintf("trial %d: %s", k+1, w))
		}
		for _, st := range tr.Steps {
			if _, seen := byIndex[st.Index]; !seen {
				order = append(order, st.Index)
			}
			byIndex[st.Index] = append(byIndex[st.Index], st)
		}
	}
	for _, i := range order {
		st := stats.Pool(byIndex[i])
		poolServices(&st, byIndex[i])
		t.Steps = append(t.Steps, st)
	}
	if t.Steps == nil {
		t.Steps = []results.Step{}
	}
	judge(&t, slo)
	return t
}
