package compare

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Text writes the comparison as a benchstat-like terminal table: what
// differs in the environment first, then one table per target, what was
// not compared, and the conclusion.
func Text(w io.Writer, t *Table) error {
	ew := &errWriter{w: w}
	ew.printf("base: %s\nnew:  %s\n", sideLine(t.Base), sideLine(t.New))
	writeList(ew, "environment differs (figures may move for that reason alone):", t.Environment)
	writeList(ew, "warnings:", t.Warnings)
	target := ""
	var tw *tabwriter.Writer
	for _, r := range t.Rows {
		if r.Target != target {
			if tw != nil {
				ew.check(tw.Flush())
			}
			target = r.Target
			ew.printf("\n%s\n", target)
			tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "level\tmetric\tbase\tnew\tchange\t95% CI\tp\t\t")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t %s\t %s\n",
			FormatLoad(r.Load, r.LoadUnit), r.Metric.Name, FormatValue(r.Base, r.Metric.Unit), FormatValue(r.New, r.Metric.Unit),
			FormatChange(r.Ratio), FormatCI(r.RatioCI), FormatP(r), r.Verdict, r.Note)
	}
	if tw != nil {
		ew.check(tw.Flush())
	}
	ew.printf("\n")
	writeList(ew, "not compared:", t.NotCompared)
	ew.printf("%s\n%s\n", t.Footer(), t.Headline())
	for _, r := range t.Regressions() {
		ew.printf("  - %s\n", r.Describe())
	}
	return ew.err
}

func sideLine(s Side) string {
	line := s.ID
	if s.Scenario != "" {
		line += " (" + s.Scenario
		if s.StartedAt != "" {
			line += ", " + s.StartedAt
		}
		line += fmt.Sprintf(", %d trial(s))", s.Trials)
	}
	return line
}

func writeList(ew *errWriter, title string, items []string) {
	if len(items) == 0 {
		return
	}
	ew.printf("%s\n", title)
	for _, it := range items {
		ew.printf("  - %s\n", it)
	}
}

// errWriter keeps the first write error so renderers check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

func (e *errWriter) check(err error) {
	if e.err == nil {
		e.err = err
	}
}
