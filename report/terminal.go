package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/safetext"
)

// Options changes how the terminal summary looks.
type Options struct {
	// Color adds ANSI colours (for a terminal); off, the text is plain.
	Color bool
}

// ANSI colours used when Options.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// Summary writes the terminal summary of run to w: per load level a table
// of every target's offered and achieved rate, throughput, p50, p99, p99.9,
// errors, validity and SLO verdict; then the verdict (the winner at each
// level and by how much, each target's SLO, capacity and breaking point)
// and every warning. The output is deterministic. Options are optional:
// without them the text is plain.
func Summary(w io.Writer, run *results.Run, opts ...Options) error {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	bw := bufio.NewWriter(w)
	p := printer{w: bw, color: o.Color}
	v := Analyze(run)
	p.header(run, v)
	p.steps(run)
	p.sections(run)
	p.verdict(v)
	p.warnings(v)
	return bw.Flush()
}

type printer struct {
	w     *bufio.Writer
	color bool
}

func (p printer) paint(code, s string) string {
	if !p.color || code == "" {
		return s
	}
	return code + s + ansiReset
}

func (p printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p printer) header(run *results.Run, v Verdict) {
	p.line("%s", p.paint(ansiBold, "scalebench: "+oneLine(run.Scenario)))
	p.line("run %s · %s · %s model · driver %s", oneLine(run.ID), oneLine(run.Status), oneLine(run.Model), oneLine(run.Environment.Driver))
	if run.Quick {
		p.line("%s", p.paint(ansiBold+ansiYellow, "⚠ "+quickBanner))
	}
	if v.SLO != "" {
		p.line("SLO: %s", v.SLO)
	} else {
		p.line("SLO: none (winners by p99 among valid steps)")
	}
}

// quickBanner marks a --quick run in every output.
const quickBanner = "smoke run (--quick): steps were shortened; not for decisions"

func (p printer) steps(run *results.Run) {
	v := Analyze(run)
	for _, lv := range v.Levels {
		p.line("")
		p.line("%s", p.paint(ansiBold, fmt.Sprintf("Step %d · %s", lv.Index+1, lv.Label)))
		tb := table{right: []bool{false, true, true, true, true, true, true, true, true, false, false}}
		tb.add(cell{text: "target"}, cell{text: "offered"}, cell{text: "achieved"}, cell{text: "throughput"},
			cell{text: "p50"}, cell{text: "p99"}, cell{text: "p99.9"}, cell{text: "errors"}, cell{text: "CPU/req"}, cell{text: "valid"}, cell{text: "SLO"})
		for ti := range run.Targets {
			t := &run.Targets[ti]
			s := stepAt(t, lv.Index)
			if s == nil {
				continue
			}
			valid, vc := "ok", ""
			if !s.Valid {
				valid, vc = "INVALID", ansiYellow
			}
			slo, sc := "-", ""
			switch stepSLO(run.SLO, s) {
			case "pass":
				slo, sc = "✓", ansiGreen
			case "fail":
				slo, sc = "✗", ansiRed
			}
			if t.Name == lv.Winner {
				slo += " best"
			}
			tb.add(cell{text: oneLine(t.Name)}, cell{text: offered(s)}, cell{text: Rate(s.AchievedRate)},
				cell{text: throughputWithCI(s)}, cell{text: latencyWithCI(s, "p50")}, cell{text: latencyWithCI(s, "p99")},
				cell{text: latencyWithCI(s, "p999")}, cell{text: errorsWithCI(s)}, cell{text: orText(cpuPerRequestWithCI(s), "-")},
				cell{text: valid, color: vc}, cell{text: slo, color: sc})
		}
		tb.write(p, "  ")
	}
}

func (p printer) verdict(v Verdict) {
	p.line("")
	p.line("%s", p.paint(ansiBold, "Verdict"))
	p.line("  %s", oneLine(headline(v)))
	for _, a := range v.Alerts {
		p.line("  %s", p.paint(ansiBold+ansiRed, "✗ "+a))
	}
	for _, f := range v.Faults {
		p.line("  %s", oneLine("faults: "+f))
	}
	tb := table{}
	for _, lv := range v.Levels {
		tb.add(cell{text: lv.Label}, cell{text: oneLine(lv.Summary)})
	}
	tb.write(p, "  ")
	p.line("")
	p.line("%s", p.paint(ansiBold, "Targets"))
	tb = table{}
	for _, t := range v.Targets {
		switch t.Status {
		case results.StatusFailed:
			first, _, _ := strings.Cut(strings.TrimSpace(t.Error), "\n")
			tb.add(cell{text: oneLine(t.Name)}, cell{text: "FAILED", color: ansiRed}, cell{text: oneLine(first)})
			continue
		case results.StatusSkipped:
			tb.add(cell{text: oneLine(t.Name)}, cell{text: "skipped", color: ansiYellow}, cell{text: oneLine(orText(t.Error, "not run"))})
			continue
		case results.StatusInterrupted:
			tb.add(cell{text: oneLine(t.Name)}, cell{text: "INTERRUPTED", color: ansiRed}, cell{text: oneLine(interruptedDetail(t))})
			continue
		}
		var slo cell
		switch t.SLO {
		case "pass":
			slo = cell{text: "SLO ✓", color: ansiGreen}
		case "fail":
			slo = cell{text: "SLO ✗", color: ansiRed}
			if t.SLOReason != "" {
				slo.text += " (" + t.SLOReason + ")"
			}
		default:
			slo = cell{text: "no SLO"}
		}
		detail := targetDetail(t)
		if t.Wins > 0 {
			levels := len(v.Levels)
			if levels < t.Wins { // a capacity search: its probes are not verdict levels
				levels = t.Compared
			}
			detail += fmt.Sprintf(", clearly best at %d of %d levels", t.Wins, levels)
		}
		if t.TiedBest > 0 {
			detail += fmt.Sprintf(", tied best at %d", t.TiedBest)
		}
		if t.CapacityReason != "" {
			detail += " (" + capacityWhy(t.CapacityReason) + ")"
		}
		tb.add(cell{text: oneLine(t.Name)}, slo, cell{text: detail})
	}
	tb.write(p, "  ")
	p.errorTails(v)
}

// errorTails prints, under the targets table, the lines after the first of
// a failed target's error (a server's log tail), one per line, as logged.
func (p printer) errorTails(v Verdict) {
	for _, t := range v.Targets {
		if t.Status != results.StatusFailed {
			continue
		}
		_, rest, ok := strings.Cut(strings.TrimSpace(t.Error), "\n")
		if !ok {
			continue
		}
		p.line("  %s:", oneLine(t.Name))
		for _, l := range strings.Split(rest, "\n") {
			p.line("    | %s", oneLine(l))
		}
	}
}

func (p printer) warnings(v Verdict) {
	if len(v.Warnings) == 0 {
		return
	}
	p.line("")
	p.line("%s", p.paint(ansiBold+ansiYellow, fmt.Sprintf("Warnings (%d)", len(v.Warnings))))
	for _, w := range v.Warnings {
		tag := ""
		if w.Invalid {
			tag = p.paint(ansiYellow, " [INVALID]")
		}
		p.line("  ! %s%s: %s", oneLine(w.Where()), tag, oneLine(w.Text))
	}
}

// targetDetail is a measured target's capacity, breaking point and invalid
// steps: "capacity 500 req/s, broke at 1,000 req/s (p99 183 ms > 50 ms)".
// "held at every valid step" is said only of a target that passed the SLO.
func targetDetail(t TargetVerdict) string {
	detail := "capacity " + t.CapacityLabel
	switch {
	case t.Broke:
		detail += ", broke at " + t.BrokeLabel
	case t.HasCapacity && t.SLO == "pass":
		detail += ", held at every valid step"
	}
	if t.InvalidSteps > 0 {
		detail += fmt.Sprintf(", %d invalid step%s", t.InvalidSteps, plural(t.InvalidSteps))
	}
	return detail
}

// interruptedDetail says why a target was interrupted and what was
// measured before.
func interruptedDetail(t TargetVerdict) string {
	s := orText(t.Error, "interrupted")
	if t.Steps > 0 {
		s += fmt.Sprintf("; %d step%s measured before: %s", t.Steps, plural(t.Steps), targetDetail(t))
	}
	return s
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// stepAt returns the target's step with the given index, or nil.
func stepAt(t *results.Target, index int) *results.Step {
	for i := range t.Steps {
		if t.Steps[i].Index == index {
			return &t.Steps[i]
		}
	}
	return nil
}

func offered(s *results.Step) string {
	if s.Model == "closed" {
		return loadLabel("closed", float64(s.Concurrency))
	}
	return Rate(s.OfferedRate)
}

func errorsText(s *results.Step) string {
	if s.Errors == 0 {
		return "0"
	}
	return Number(float64(s.Errors)) + " (" + Percent(s.ErrorRate) + ")"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// oneLine makes untrusted text safe for a terminal line: control
// characters (escape sequences, newlines) become spaces, bidi controls
// are dropped.
func oneLine(s string) string { return safetext.Line(s) }

// cell is one table cell; color is applied after padding is computed.
type cell struct {
	text  string
	color string
}

// table aligns cells in columns by their visible width.
type table struct {
	rows  [][]cell
	right []bool // right-align column i
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, cells) }

func (t *table) write(p printer, indent string) {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c.text))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text))
			last := i == len(r)-1
			switch {
			case i < len(t.right) && t.right[i]:
				b.WriteString(pad + p.paint(c.color, c.text))
			case last:
				b.WriteString(p.paint(c.color, c.text))
			default:
				b.WriteString(p.paint(c.color, c.text) + pad)
			}
			if !last {
				b.WriteString("  ")
			}
		}
		p.line("%s", strings.TrimRight(b.String(), " "))
	}
}
