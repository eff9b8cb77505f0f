package compare

import (
	"io"
	"strings"
)

// Markdown writes the comparison for a GitHub step summary or a pull
// request comment: the conclusion first, then one table per target.
func Markdown(w io.Writer, t *Table) error {
	ew := &errWriter{w: w}
	ew.printf("## Comparison with the baseline\n\n")
	mark := "✅"
	switch {
	case len(t.Regressions()) > 0:
		mark = "❌"
	case t.Tested() == 0:
		mark = "⚠️"
	}
	ew.printf("%s **%s**\n\n", mark, mdEscape(t.Headline()))
	for _, r := range t.Regressions() {
		ew.printf("- %s\n", mdEscape(r.Describe()))
	}
	if len(t.Regressions()) > 0 {
		ew.printf("\n")
	}
	ew.printf("Base %s → new %s.\n\n", mdEscape(sideLine(t.Base)), mdEscape(sideLine(t.New)))
	mdList(ew, "**Environment differs** (figures may move for that reason alone):", t.Environment)
	mdList(ew, "**Warnings:**", t.Warnings)
	target := ""
	for _, r := range t.Rows {
		if r.Target != target {
			target = r.Target
			ew.printf("\n### %s\n\n| level | metric | base | new | change | 95%% CI | p | | note |\n|---:|---|---:|---:|---:|---:|---:|---|---|\n", mdEscape(target))
		}
		ew.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			FormatLoad(r.Load, r.LoadUnit), r.Metric.Name, FormatValue(r.Base, r.Metric.Unit), FormatValue(r.New, r.Metric.Unit),
			FormatChange(r.Ratio), FormatCI(r.RatioCI), FormatP(r), mdVerdict(r.Verdict), mdEscape(r.Note))
	}
	ew.printf("\n")
	mdList(ew, "**Not compared:**", t.NotCompared)
	ew.printf("%s\n", mdEscape(t.Footer()))
	return ew.err
}

func mdVerdict(v string) string {
	switch v {
	case Worse:
		return "🔴 worse"
	case Better:
		return "🟢 better"
	}
	return `\~`
}

func mdList(ew *errWriter, title string, items []string) {
	if len(items) == 0 {
		return
	}
	ew.printf("%s\n\n", title)
	for _, it := range items {
		ew.printf("- %s\n", mdEscape(it))
	}
	ew.printf("\n")
}

// mdReplacer makes a string from the results render as plain text in a
// table cell: no HTML, no emphasis, links, code or strike-through.
var mdReplacer = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "\n", " ", "`", "'", "~", `\~`,
	"*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "#", `\#`)

func mdEscape(s string) string { return mdReplacer.Replace(s) }
