package report

import (
	"bufio"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// Table is a section of topology-specific figures (cache, queue, job
// accounting, flows, WebSocket delivery), the same in the terminal, in
// summary.md and in report.html. Only sections with data are built.
type Table struct {
	// ID names the section ("cache", "queue", "jobs", "flows", "websocket").
	ID string `json:"id"`
	// Title and Note say what the table shows and how to read it.
	Title string `json:"title"`
	Note  string `json:"note"`
	// Header names the columns; the first Text columns are text (the
	// row's names), the others figures, right-aligned unless Left names
	// them.
	Header []string `json:"header"`
	Text   int      `json:"text_columns"`
	Left   []string `json:"left,omitempty"`
	// Rows hold the cells, formatted.
	Rows []TableRow `json:"rows"`
}

// numeric reports whether column i holds figures (right-aligned).
func (t Table) numeric(i int) bool {
	return i >= t.Text && !slices.Contains(t.Left, t.Header[i])
}

// Aligns lists each column's alignment for the template: "t" (text) or
// "n" (figures).
func (t Table) Aligns() []string {
	out := make([]string, len(t.Header))
	for i := range t.Header {
		out[i] = "t"
		if t.numeric(i) {
			out[i] = "n"
		}
	}
	return out
}

// TableRow is one row of a Table; Bad marks a row that shows a problem
// (a missing job, a failing flow step, an undelivered message).
type TableRow struct {
	Cells []string `json:"cells"`
	Bad   bool     `json:"bad,omitempty"`
}

// Sections builds the topology-specific tables of run that have data:
// cache (hit ratio, DB calls/s, DB-connection wait), queue (API p99 vs job
// end-to-end latency, depth, worker throughput), job accounting, flows
// (per flow step p99 and error rate) and WebSocket delivery.
func Sections(run *results.Run) []Table {
	v := Analyze(run)
	var out []Table
	for _, build := range []func(*results.Run, Verdict) Table{cacheTable, queueTable, jobsTable, flowsTable, wsTable, searchTable, scalingTable, sizingTable, databaseTable, servicesTable} {
		if t := build(run, v); len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// eachStep calls f for every step of run, level by level, target by target.
func eachStep(run *results.Run, v Verdict, f func(lv Level, t *results.Target, s *results.Step)) {
	for _, lv := range v.Levels {
		for ti := range run.Targets {
			t := &run.Targets[ti]
			if s := stepAt(t, lv.Index); s != nil {
				f(lv, t, s)
			}
		}
	}
}

func cacheTable(run *results.Run, v Verdict) Table {
	tb := Table{
		ID: "cache", Title: "Cache and database",
		Note:   "hit ratio = hits / (hits + misses); DB wait p99 = time waiting for a pooled DB connection, it climbs when the database saturates",
		Header: []string{"load", "target", "hit ratio", "DB calls/s", "DB wait p99", "cache errors"}, Text: 2,
	}
	eachStep(run, v, func(lv Level, t *results.Target, s *results.Step) {
		c := s.Cache
		if c == nil {
			return
		}
		hit := "—"
		switch {
		case c.HitRatio != nil:
			hit = Percent(*c.HitRatio)
		case c.Bypass > 0:
			hit = "no cache"
		}
		tb.Rows = append(tb.Rows, TableRow{Cells: []string{
			lv.Label, oneLine(t.Name), hit, Number(c.DBCallsPerS), Millis(c.DBWaitMs.P99), Number(float64(c.Errors)),
		}, Bad: c.Errors > 0})
	})
	return tb
}

func queueTable(run *results.Run, v Verdict) Table {
	tb := Table{
		ID: "queue", Title: "Queue and workers",
		Note:   "API p99 = POST /jobs answered; job e2e = accepted → done; completed/s below the accepted rate: the workers are the bottleneck",
		Header: []string{"load", "target", "API p99", "job e2e p50", "job e2e p99", "queue wait p99", "depth max", "depth end", "accepted", "completed/s", "refused"}, Text: 2,
	}
	eachStep(run, v, func(lv Level, t *results.Target, s *results.Step) {
		q := s.Queue
		if q == nil {
			return
		}
		tb.Rows = append(tb.Rows, TableRow{Cells: []string{
			lv.Label, oneLine(t.Name), Millis(s.Latency.P99), Millis(q.E2E.P50), Millis(q.E2E.P99), Millis(q.QueueWait.P99),
			Number(float64(q.DepthMax)), Number(float64(q.DepthEnd)), Number(float64(q.Accepted)), Rate(q.CompletedPerS), Number(float64(q.Refused)),
		}})
	})
	return tb
}

func jobsTable(run *results.Run, _ Verdict) Table {
	tb := Table{
		ID: "jobs", Title: "Job accounting",
		Note:   "after the queue drained: every accepted job must be completed exactly once, missing must be 0",
		Header: []string{"target", "accepted", "seen by client", "completed", "missing", "duplicates", "drained", "drain", "error"}, Text: 1,
		Left: []string{"drained", "error"},
	}
	for ti := range run.Targets {
		t := &run.Targets[ti]
		j := t.Jobs
		if j == nil {
			continue
		}
		drained := "yes"
		if !j.Drained {
			drained = "NO"
		}
		tb.Rows = append(tb.Rows, TableRow{Cells: []string{
			oneLine(t.Name), Number(float64(j.Accepted)), Number(float64(j.AcceptedByClient)), Number(float64(j.Completed)),
			Number(float64(j.Missing)), Number(float64(j.Duplicates)), drained, sig(j.DrainS) + " s", oneLine(j.Error),
		}, Bad: j.Missing > 0 || j.Error != ""})
	}
	return tb
}

func flowsTable(run *results.Run, v Verdict) Table {
	tb := Table{
		ID: "flows", Title: "Flows, request by request",
		Note:   "each request of each flow on its own; in the sessions suite the error rate of me (GET /me) is the headline",
		Header: []string{"load", "target", "flow", "step", "requests", "p50", "p99", "errors", "error rate", "skipped", "errors by kind"}, Text: 4,
		Left: []string{"errors by kind"},
	}
	eachStep(run, v, func(lv Level, t *results.Target, s *results.Step) {
		for _, f := range s.Flows {
			for _, fs := range f.Steps {
				tb.Rows = append(tb.Rows, TableRow{Cells: []string{
					lv.Label, oneLine(t.Name), oneLine(f.Name), oneLine(fs.Name), Number(float64(fs.Requests)),
					Millis(fs.Latency.P50), Millis(fs.Latency.P99), Number(float64(fs.Errors)), Percent(fs.ErrorRate),
					Number(float64(fs.Skipped)), kindsText(fs.ErrorsByKind),
				}, Bad: fs.Errors > 0})
			}
		}
	})
	return tb
}

func wsTable(run *results.Run, _ Verdict) Table {
	tb := Table{
		ID: "websocket", Title: "WebSocket delivery",
		Note:   "expected = Σ receivers connected when each message was sent; delivered + missing = expected",
		Header: wsHeader, Text: 2,
	}
	for _, r := range wsRows(run) {
		tb.Rows = append(tb.Rows, TableRow{Cells: r, Bad: r[8] != Percent(1)})
	}
	return tb
}

// kindsText lists error counts by kind: "status_401 12, timeout 1".
func kindsText(kinds map[string]uint64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		parts = append(parts, k+" "+Number(float64(kinds[k])))
	}
	return strings.Join(parts, ", ")
}

// jobAlerts are the verdict-level alerts of a queue target's job
// accounting: lost jobs, jobs done twice, accounting that could not finish.
func jobAlerts(t *results.Target) []string {
	j := t.Jobs
	if j == nil {
		return nil
	}
	name := oneLine(t.Name)
	var out []string
	if j.Missing > 0 {
		s := fmt.Sprintf("%s LOST JOBS: %s of %s accepted jobs were never completed", name, Number(float64(j.Missing)), Number(float64(j.Accepted)))
		if !j.Drained {
			s += fmt.Sprintf(" (the queue had not drained after %s s)", sig(j.DrainS))
		}
		out = append(out, s)
	}
	if j.Duplicates > 0 {
		out = append(out, fmt.Sprintf("%s: %s jobs were done more than once", name, Number(float64(j.Duplicates))))
	}
	if j.Error != "" {
		out = append(out, fmt.Sprintf("%s: job accounting incomplete: %s", name, oneLine(j.Error)))
	}
	return out
}

// Values outside [0, maxPlausible] (or not finite) cannot come from a real
// measurement: 1e12 ms is 31 years, 1e12 req/s a thousand times any
// machine. They are left out of the charts and reported.
const maxPlausible = 1e12

// plottable reports whether v can be drawn: finite, not negative, not absurd.
func plottable(v float64) bool {
	return !math.IsNaN(v) && v >= 0 && v <= maxPlausible
}

// outOfRange names the step's figures that are negative, not finite or
// absurdly large, as a warning ("" when all are plausible). Such values
// only come from a damaged or hand-edited results.json.
func outOfRange(s *results.Step) string {
	var bad []string
	check := func(name string, v float64) {
		if !plottable(v) {
			bad = append(bad, fmt.Sprintf("%s = %g", name, v))
		}
	}
	check("offered_rate", s.OfferedRate)
	check("achieved_rate", s.AchievedRate)
	check("throughput", s.Throughput)
	check("error_rate", s.ErrorRate)
	check("duration_s", s.DurationS)
	for _, l := range []struct {
		name string
		v    results.Latency
	}{{"latency_ms", s.Latency}, {"service_time_ms", s.ServiceTime}} {
		check(l.name+".p50", l.v.P50)
		check(l.name+".p90", l.v.P90)
		check(l.name+".p99", l.v.P99)
		check(l.name+".p999", l.v.P999)
		check(l.name+".max", l.v.Max)
	}
	check("resources.cpu_cores_mean", s.Resources.CPUCoresMean)
	n := 0
	for _, p := range s.Timeline {
		if !plottable(p.T) || !plottable(p.P50) || !plottable(p.P99) || !plottable(p.Max) || (p.CPU != -1 && !plottable(p.CPU)) {
			n++
		}
	}
	if n > 0 {
		bad = append(bad, fmt.Sprintf("timeline: %d points", n))
	}
	if q := s.Queue; q != nil {
		check("queue.e2e_ms.p50", q.E2E.P50)
		check("queue.e2e_ms.p99", q.E2E.P99)
		check("queue.completed_per_s", q.CompletedPerS)
		n := 0
		for _, d := range q.Depth {
			if !plottable(d.T) || !plottable(float64(d.Depth)) {
				n++
			}
		}
		if n > 0 {
			bad = append(bad, fmt.Sprintf("queue.depth: %d points", n))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Extra)) {
		if v := s.Extra[k]; math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > maxPlausible {
			bad = append(bad, fmt.Sprintf("extra.%s = %g", k, v))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	const most = 6
	if len(bad) > most {
		bad = append(bad[:most], fmt.Sprintf("and %d more", len(bad)-most))
	}
	return "implausible values in results.json (negative, not finite or above 1e12), left out of the charts: " + strings.Join(bad, ", ")
}

// sections prints every topology-specific table of run that has data.
func (p printer) sections(run *results.Run) {
	for _, tb := range Sections(run) {
		p.line("")
		p.line("%s", p.paint(ansiBold, tb.Title)+" ("+tb.Note+")")
		out := table{}
		var head []cell
		for i, h := range tb.Header {
			head = append(head, cell{text: h})
			out.right = append(out.right, tb.numeric(i))
		}
		out.add(head...)
		for _, r := range tb.Rows {
			cells := make([]cell, len(r.Cells))
			for i, c := range r.Cells {
				cells[i] = cell{text: c}
				if r.Bad && tb.numeric(i) {
					cells[i].color = ansiRed
				}
			}
			out.add(cells...)
		}
		out.write(p, "  ")
	}
}

// sectionsMarkdown writes every topology-specific table of run that has data.
func sectionsMarkdown(bw *bufio.Writer, run *results.Run) {
	for _, tb := range Sections(run) {
		fmt.Fprintf(bw, "**%s** (%s)\n\n|", md(tb.Title), md(tb.Note))
		for _, h := range tb.Header {
			fmt.Fprintf(bw, " %s |", md(h))
		}
		fmt.Fprint(bw, "\n|")
		for i := range tb.Header {
			if !tb.numeric(i) {
				fmt.Fprint(bw, "---|")
			} else {
				fmt.Fprint(bw, "---:|")
			}
		}
		fmt.Fprintln(bw)
		for _, r := range tb.Rows {
			fmt.Fprint(bw, "|")
			for i, c := range r.Cells {
				if r.Bad && i == tb.Text-1 {
					fmt.Fprintf(bw, " ⚠️ **%s** |", md(c))
				} else {
					fmt.Fprintf(bw, " %s |", md(c))
				}
			}
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw)
	}
}
