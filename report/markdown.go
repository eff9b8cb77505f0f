package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// Markdown writes summary.md for runs: the verdict, a compact table and
// the warnings, for a CI step summary or a pull-request comment. Every
// string from the results is escaped so it renders as text.
func Markdown(w io.Writer, runs []*results.Run) error {
	bw := bufio.NewWriter(w)
	labels := runLabels(runs)
	for i, r := range runs {
		v := Analyze(r)
		mdHeader(bw, r, v, runs, labels[i])
		mdLevels(bw, v)
		mdTargets(bw, v)
		mdSteps(bw, r, v)
		sectionsMarkdown(bw, r)
		mdWarnings(bw, v)
	}
	mdDifferences(bw, runs, labels)
	return bw.Flush()
}

// mdHeader is a run's title, banners, run line, headline, alerts and faults.
func mdHeader(bw *bufio.Writer, r *results.Run, v Verdict, runs []*results.Run, label string) {
	title := "scalebench: " + md(r.Scenario)
	if len(runs) > 1 {
		title += " (" + md(label) + ")"
	}
	fmt.Fprintf(bw, "## %s\n\n", title)
	if r.Quick {
		fmt.Fprintf(bw, "> ⚠️ **%s**\n\n", md(quickBanner))
	}
	if r.Description != "" {
		fmt.Fprintf(bw, "%s\n\n", md(r.Description))
	}
	fmt.Fprintf(bw, "Run `%s` · %s · %s model · driver %s · SLO: %s\n\n",
		code(r.ID), md(r.Status), md(r.Model), md(r.Environment.Driver), orNone(md(v.SLO)))
	fmt.Fprintf(bw, "**%s**\n\n", md(headline(v)))
	for _, a := range v.Alerts {
		fmt.Fprintf(bw, "> ❌ **%s**\n\n", md(a))
	}
	for _, f := range v.Faults {
		fmt.Fprintf(bw, "- faults: %s\n", md(f))
	}
	if len(v.Faults) > 0 {
		fmt.Fprintln(bw)
	}
}

// mdLevels is the verdict of each load level.
func mdLevels(bw *bufio.Writer, v Verdict) {
	fmt.Fprintln(bw, "| load | best | how much better |")
	fmt.Fprintln(bw, "|---:|---|---|")
	for _, lv := range v.Levels {
		fmt.Fprintf(bw, "| %s | %s | %s |\n", md(lv.Label), winnerText(lv), md(lv.Summary))
	}
	fmt.Fprintln(bw)
}

// mdTargets is one row per target: SLO, capacity, where it broke.
func mdTargets(bw *bufio.Writer, v Verdict) {
	fmt.Fprintln(bw, "| target | SLO | capacity | broke at | invalid steps |")
	fmt.Fprintln(bw, "|---|---|---:|---|---:|")
	for _, t := range v.Targets {
		switch t.Status {
		case results.StatusFailed:
			fmt.Fprintf(bw, "| %s | ❌ FAILED | | %s | |\n", md(t.Name), md(t.Error))
			continue
		case results.StatusSkipped:
			fmt.Fprintf(bw, "| %s | skipped | | %s | |\n", md(t.Name), md(orText(t.Error, "not run")))
			continue
		case results.StatusInterrupted:
			fmt.Fprintf(bw, "| %s | ❌ INTERRUPTED | %s | %s | %d |\n", md(t.Name), md(t.CapacityLabel), md(orText(t.Error, "interrupted")), t.InvalidSteps)
			continue
		}
		slo := "—"
		switch t.SLO {
		case "pass":
			slo = "✅ pass"
		case "fail":
			slo = "❌ fail"
			if t.SLOReason != "" {
				slo += " (" + md(t.SLOReason) + ")"
			}
		}
		broke := t.BrokeLabel
		if broke == "" {
			broke = "—"
			if t.SLO == "pass" {
				broke = "held"
			}
		}
		capacity := t.CapacityLabel
		if t.CapacityReason != "" {
			capacity += " (" + capacityWhy(t.CapacityReason) + ")"
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %d |\n", md(t.Name), slo, md(capacity), md(broke), t.InvalidSteps)
	}
	fmt.Fprintln(bw)
}

// mdSteps is every step of every target, folded.
func mdSteps(bw *bufio.Writer, r *results.Run, v Verdict) {
	fmt.Fprintln(bw, "<details><summary>Every step</summary>")
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "| load | target | achieved | throughput | p50 | p99 | p99.9 | errors | CPU/request | valid | SLO |")
	fmt.Fprintln(bw, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
	for _, lv := range v.Levels {
		for ti := range r.Targets {
			t := &r.Targets[ti]
			s := stepAt(t, lv.Index)
			if s == nil {
				continue
			}
			valid := "ok"
			if !s.Valid {
				valid = "⚠️ INVALID"
			}
			slo := map[string]string{"pass": "✅", "fail": "❌", "": "—"}[stepSLO(r.SLO, s)]
			name := md(t.Name)
			if t.Name == lv.Winner {
				name = "**" + name + "** (best)"
			}
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", md(lv.Label), name,
				md(Rate(s.AchievedRate)), md(throughputWithCI(s)), md(latencyWithCI(s, "p50")), md(latencyWithCI(s, "p99")),
				md(latencyWithCI(s, "p999")), md(errorsWithCI(s)), md(orText(cpuPerRequestWithCI(s), "—")), valid, slo)
		}
	}
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, "</details>")
	fmt.Fprintln(bw)
}

// mdWarnings lists the run's warnings.
func mdWarnings(bw *bufio.Writer, v Verdict) {
	if len(v.Warnings) > 0 {
		fmt.Fprintf(bw, "### ⚠️ Warnings (%d)\n\n", len(v.Warnings))
		for _, w := range v.Warnings {
			tag := ""
			if w.Invalid {
				tag = " **INVALID**"
			}
			fmt.Fprintf(bw, "- **%s**%s: %s\n", md(w.Where()), tag, md(w.Text))
		}
		fmt.Fprintln(bw)
	}
}

// mdDifferences compares every run with the first.
func mdDifferences(bw *bufio.Writer, runs []*results.Run, labels []string) {
	if len(runs) > 1 {
		fmt.Fprintln(bw, "## Differences")
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, "| target | load | runs | p99 | change | throughput | change |")
		fmt.Fprintln(bw, "|---|---:|---|---:|---:|---:|---:|")
		for _, r := range runs[1:] {
			for _, d := range diffs(runs[0], r, labels[0], labels[indexOf(runs, r)]) {
				ch := md(d.P99Change)
				if d.Worse {
					ch = "**" + ch + "** ⚠️"
				}
				fmt.Fprintf(bw, "| %s | %s | %s → %s | %s | %s | %s | %s |\n", md(d.Target), md(d.Level), md(d.Base), md(d.Other),
					md(d.P99), ch, md(d.Throughput), md(d.TputChange))
			}
		}
		fmt.Fprintln(bw)
	}
}

func indexOf(runs []*results.Run, r *results.Run) int {
	for i := range runs {
		if runs[i] == r {
			return i
		}
	}
	return -1
}

// mdReplacer escapes text for Markdown tables and paragraphs: HTML, table
// pipes, code and emphasis markers all render as literal characters.
var mdReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`,
	"[", `\[`, "]", `\]`, "#", `\#`, "~", `\~`,
	"\n", " ", "\r", " ",
)

func md(s string) string { return mdReplacer.Replace(oneLine(s)) }

// code makes text safe inside a single-backtick code span.
func code(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(oneLine(s), "`", "'"), "|", "¦"), "\\", "/")
}

func bold(s string) string {
	if s == "" {
		return ""
	}
	return "**" + s + "**"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// winnerText is a level's winner in bold, "tied: a, b", or "none".
func winnerText(lv Level) string {
	switch {
	case lv.Winner != "":
		return bold(md(lv.Winner))
	case len(lv.Tied) > 0:
		return "tied: " + md(joinAnd(lv.Tied))
	}
	return orNone("")
}
