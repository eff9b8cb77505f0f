package report

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	// Aliased: this package has a compare function of its own (verdicts).
	comparison "github.com/scalebench/scalebench/compare"
	"github.com/scalebench/scalebench/results"
)

// CompareJSONFile and CompareMarkdownFile are the comparison with a
// baseline that `scalebench run --baseline` writes beside results.json;
// Render shows it when it belongs to the run being rendered.
const (
	CompareJSONFile     = "compare.json"
	CompareMarkdownFile = "compare.md"
)

// BaselineView is the comparison with a baseline, formatted for the page.
type BaselineView struct {
	Headline    string        `json:"headline"`
	Regressions []string      `json:"regressions,omitempty"`
	Regressed   bool          `json:"regressed"`
	Base        string        `json:"base"`
	Footer      string        `json:"footer"`
	Environment []string      `json:"environment,omitempty"`
	NotCompared []string      `json:"not_compared,omitempty"`
	Warnings    []string      `json:"warnings,omitempty"`
	Rows        []BaselineRow `json:"rows"`
}

// BaselineRow is one target × level × metric of the comparison.
type BaselineRow struct {
	Target, Level, Metric, Base, New, Change, CI, P, Verdict, Note string
	// Bad marks a regression, Good a significant improvement.
	Bad, Good bool
}

// baselineOf reads dir/comparison.json when it compares a baseline with the
// one run being rendered (nil otherwise: none, several runs, or a stale
// file from another run).
func baselineOf(dir string, rs []*results.Run) (*comparison.Table, error) {
	if len(rs) != 1 {
		return nil, nil
	}
	f, err := os.Open(filepath.Join(dir, CompareJSONFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := comparison.ReadJSON(f)
	if err != nil || t.New.ID != rs[0].ID {
		return nil, err
	}
	return t, nil
}

// baselineView formats a comparison for the page.
func baselineView(t *comparison.Table) *BaselineView {
	v := &BaselineView{
		Headline: t.Headline(), Regressed: len(t.Regressions()) > 0, Base: t.Base.ID, Footer: t.Footer(),
		Environment: t.Environment, NotCompared: t.NotCompared, Warnings: t.Warnings,
	}
	for _, r := range t.Regressions() {
		v.Regressions = append(v.Regressions, r.Describe())
	}
	for _, r := range t.Rows {
		v.Rows = append(v.Rows, BaselineRow{
			Target: r.Target, Level: comparison.FormatLoad(r.Load, r.LoadUnit), Metric: r.Metric.Name,
			Base: comparison.FormatValue(r.Base, r.Metric.Unit), New: comparison.FormatValue(r.New, r.Metric.Unit),
			Change: comparison.FormatChange(r.Ratio), CI: comparison.FormatCI(r.RatioCI), P: comparison.FormatP(r),
			Verdict: r.Verdict, Note: r.Note, Bad: r.Regression, Good: r.Verdict == comparison.Better,
		})
	}
	return v
}

// baselineMarkdown appends the comparison to summary.md.
func baselineMarkdown(w io.Writer, t *comparison.Table) error { return comparison.Markdown(w, t) }
