package compare

import (
	"errors"
	"fmt"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// Corrections for multiple comparisons.
const (
	Holm              = "holm"
	BenjaminiHochberg = "bh"
)

// Verdicts of a row.
const (
	Better    = "better"
	Worse     = "worse"
	Unchanged = "~"
)

// DefaultThreshold is the smallest relative change reported as a regression.
const DefaultThreshold = 0.05

// Options tune a comparison.
type Options struct {
	// Threshold is the smallest relative change (0.05 = 5%) reported as
	// better or worse; smaller significant changes show as "~".
	Threshold float64
	// Correction is Holm (default) or BenjaminiHochberg.
	Correction string
}

// ErrIncomparable is wrapped by Compare when the two runs have nothing to
// compare (different model, no common target or level).
var ErrIncomparable = errors.New("runs cannot be compared")

// Side identifies one of the two runs.
type Side struct {
	// ID, Scenario and StartedAt (RFC 3339) come from the run.
	ID        string `json:"id"`
	Scenario  string `json:"scenario"`
	StartedAt string `json:"started_at"`
	// Trials is the run's trials per step (1 when not repeated).
	Trials int `json:"trials"`
}

// Table is the comparison of two runs: one Row per target × level × metric.
type Table struct {
	Base, New Side
	// Threshold and Correction as used.
	Threshold  float64
	Correction string
	// Environment lists how the two runs' environments differ, one
	// sentence each ("cpu_model: A → B"); empty when they match.
	Environment []string
	// NotCompared lists targets and levels found on one side only, or not
	// comparable (a failed target), one sentence each.
	NotCompared []string
	// Warnings are other findings worth showing (a quick run, a topology
	// that changed under the same name).
	Warnings []string
	// Rows in base-run order: target, then level, then metric.
	Rows []Row
}

// Row is one metric at one level of one target.
type Row struct {
	// Target is the target's name; Load the offered rate or concurrency,
	// in LoadUnit ("req/s" or "clients").
	Target   string
	Load     float64
	LoadUnit string
	// Metric is one of the Metrics, by name.
	Metric Metric
	// Comparison is the test's outcome (P before correction).
	stats.Comparison
	// PAdjusted is P after the correction across the table (1 when no
	// test was run).
	PAdjusted float64
	// Significant is PAdjusted < stats.Alpha.
	Significant bool
	// Verdict is Better, Worse or Unchanged ("~").
	Verdict string
	// Regression is a significant change for the worse of at least the
	// threshold: what --gate fails on.
	Regression bool
	// Note says why no test was run, or what to be careful about.
	Note string
}

// Tested reports whether a test that could reach significance was run.
func (r Row) Tested() bool { return r.Enough }

// Regressions returns the rows that regressed.
func (t *Table) Regressions() []Row {
	var out []Row
	for _, r := range t.Rows {
		if r.Regression {
			out = append(out, r)
		}
	}
	return out
}

// Tested counts the rows on which a test was run.
func (t *Table) Tested() int {
	n := 0
	for _, r := range t.Rows {
		if r.Tested() {
			n++
		}
	}
	return n
}

// Compare compares new against base. It returns an error wrapping
// ErrIncomparable, saying what does not match, when the runs share no
// target and level or use different load models.
func Compare(base, new *results.Run, opt Options) (*Table, error) {
	if opt.Threshold < 0 {
		return nil, fmt.Errorf("threshold %v: must be ≥ 0", opt.Threshold)
	}
	switch opt.Correction {
	case "":
		opt.Correction = Holm
	case Holm, BenjaminiHochberg:
	default:
		return nil, fmt.Errorf("correction %q: want %s or %s", opt.Correction, Holm, BenjaminiHochberg)
	}
	if base.Model != new.Model {
		return nil, fmt.Errorf("%w: different load model (base %s, new %s)", ErrIncomparable, orUnknown(base.Model), orUnknown(new.Model))
	}
	t := &Table{
		Base: side(base), New: side(new), Threshold: opt.Threshold, Correction: opt.Correction,
		Environment: environmentDiff(base, new), Warnings: runWarnings(base, new),
	}
	pairs, err := match(t, base, new)
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		for _, m := range Metrics {
			t.Rows = append(t.Rows, row(p, m))
		}
	}
	t.correct()
	return t, nil
}

// correct adjusts the p-values of the tested rows across the table and
// sets the verdicts.
func (t *Table) correct() {
	var idx []int
	var ps []float64
	for i, r := range t.Rows {
		t.Rows[i].PAdjusted = 1
		if r.Tested() {
			idx = append(idx, i)
			ps = append(ps, r.P)
		}
	}
	adj := stats.Holm(ps)
	if t.Correction == BenjaminiHochberg {
		adj = stats.BenjaminiHochberg(ps)
	}
	for k, i := range idx {
		t.Rows[i].PAdjusted = adj[k]
	}
	for i := range t.Rows {
		t.Rows[i].judge(t.Threshold)
	}
}

// judge sets Significant, Verdict and Regression from PAdjusted and Ratio.
func (r *Row) judge(threshold float64) {
	r.Significant = r.Tested() && r.PAdjusted < stats.Alpha
	r.Verdict = Unchanged
	if !r.Significant {
		return
	}
	change := r.Ratio - 1
	if r.Metric.LowerIsBetter {
		change = -change
	}
	// change > 0 is an improvement, whichever the metric's direction.
	switch {
	case change >= threshold:
		r.Verdict = Better
	case -change >= threshold:
		r.Verdict = Worse
		r.Regression = true
	}
}

func side(r *results.Run) Side {
	s := Side{ID: r.ID, Scenario: r.Scenario, Trials: max(r.Trials, 1)}
	if !r.StartedAt.IsZero() {
		s.StartedAt = r.StartedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
