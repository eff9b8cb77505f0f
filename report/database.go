package report

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/scalebench/scalebench/results"
)

// databaseTable is the PostgreSQL tier's figures per load level and
// target (steps[].database).
func databaseTable(run *results.Run, v Verdict) Table {
	tb := Table{
		ID: "database", Title: "Database tier (PostgreSQL)",
		Note: "reads/s and writes/s the app answered; pool wait p99 = waiting for a pooled connection (climbs when a node saturates); " +
			"lag = replicas' replay lag sampled from the primary every 250 ms; stale reads = reads that began after the client saw a newer write of the same key acknowledged yet returned the older version (ratio over all reads, 95% interval); " +
			"node reads = reads each node served (pg_stat_user_tables)",
		Header: []string{"load", "target", "reads/s", "writes/s", "pool wait p99", "lag p50", "lag p99", "lag max", "stale reads", "node reads", "node CPU"}, Text: 2,
		Left: []string{"node reads", "node CPU"},
	}
	eachStep(run, v, func(lv Level, t *results.Target, s *results.Step) {
		d := s.Database
		if d == nil {
			return
		}
		lag := []string{"—", "—", "—"}
		if l := d.ReplicationLagMs; l != nil {
			lag = []string{Millis(l.P50), Millis(l.P99), Millis(l.Max)}
		}
		tb.Rows = append(tb.Rows, TableRow{Cells: []string{
			lv.Label, oneLine(t.Name), Number(d.ReadsPerS), Number(d.WritesPerS), Millis(d.PoolWaitMsP99),
			lag[0], lag[1], lag[2], staleCell(d), nodeCells(d, func(n results.DatabaseNode) string { return Number(float64(n.Reads)) }),
			nodeCells(d, func(n results.DatabaseNode) string { return fmt.Sprintf("%.2f", n.CPUCores) }),
		}, Bad: d.StaleReads > 0})
	})
	if len(tb.Rows) > 0 {
		tb.Note = databaseVerdict(run, v) + " — " + tb.Note
	}
	return tb
}

// staleCell is "N (ratio [lo, hi])".
func staleCell(d *results.DatabaseStats) string {
	s := Number(float64(d.StaleReads))
	if d.StaleReadRatioCI != nil {
		s += fmt.Sprintf(" (%s [%s, %s])", Percent(d.StaleReadRatio), Percent(d.StaleReadRatioCI.Lo()), Percent(d.StaleReadRatioCI.Hi()))
	}
	return s
}

// nodeCells is "name value · name value …".
func nodeCells(d *results.DatabaseStats, f func(results.DatabaseNode) string) string {
	parts := make([]string, len(d.Nodes))
	for i, n := range d.Nodes {
		parts[i] = oneLine(n.Name) + " " + f(n)
	}
	return strings.Join(parts, " · ")
}

// hasDatabase reports whether any step of the runs has database figures.
func hasDatabase(runs []*results.Run) bool {
	for _, r := range runs {
		for _, t := range r.Targets {
			for _, s := range t.Steps {
				if s.Database != nil {
					return true
				}
			}
		}
	}
	return false
}

// replicationLag plots every replica's lag samples over time, one line
// per target and replica (replicas of one target share its colour).
func replicationLag(ss []series) *plot.Plot {
	p := newPlot("Replication lag over time (replay lag seen from the primary)", "time since the target's first step (s)", "replay lag (ms)")
	var bounds []float64
	for _, s := range ss {
		byNode := map[string]plotter.XYs{}
		var order []string
		var b []float64
		for i := range s.Target.Steps {
			st := &s.Target.Steps[i]
			off := stepOffset(s.Target, st)
			if st.Database == nil || !plottable(off) {
				continue
			}
			b = append(b, off)
			for _, l := range st.Database.Lag {
				if !plottable(l.T) || !plottable(l.LagMs) {
					continue
				}
				if _, ok := byNode[l.Node]; !ok {
					order = append(order, l.Node)
				}
				byNode[l.Node] = append(byNode[l.Node], plotter.XY{X: off + l.T, Y: l.LagMs})
			}
		}
		for i, node := range order {
			var dashes []vg.Length
			if i > 0 {
				dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			l := lineOf(byNode[node], s, 1.5, dashes)
			p.Add(l)
			p.Legend.Add(oneLine(s.Label+" "+node), l)
		}
		if bounds == nil && len(order) > 0 {
			bounds = b
		}
	}
	for _, b := range bounds {
		if b > 0 {
			p.Add(vline{x: b})
		}
	}
	p.X.Min, p.Y.Min = 0, 0
	return p
}

// readsPerNode plots, per target, the reads each node served over the
// whole run: read replicas take the reads off the primary, shards split
// them.
func readsPerNode(ss []series) *plot.Plot {
	p := newPlot("Reads per database node (whole run)", "node", "reads served")
	var names []string
	pos := 0.0
	for _, s := range ss {
		var keys []string
		totals := map[string]float64{}
		for _, st := range s.Target.Steps {
			if st.Database == nil {
				continue
			}
			for _, n := range st.Database.Nodes {
				if _, ok := totals[n.Name]; !ok {
					keys = append(keys, n.Name)
				}
				totals[n.Name] += float64(n.Reads)
			}
		}
		if len(keys) == 0 {
			continue
		}
		vals := make(plotter.Values, len(keys))
		for i, k := range keys {
			vals[i] = totals[k]
			names = append(names, oneLine(k))
		}
		bc, err := plotter.NewBarChart(vals, vg.Points(30))
		if err != nil {
			continue
		}
		bc.Color = s.Color
		bc.LineStyle = draw.LineStyle{Width: 0}
		bc.XMin = pos
		p.Add(bc)
		p.Legend.Add(s.Label, bc)
		pos += float64(len(keys))
	}
	if len(names) > 0 {
		p.NominalX(names...)
	}
	p.Y.Min = 0
	p.Legend.Left = false
	return p
}

// databaseVerdict says which tier design held the SLO up to which load
// and what the replicas cost in stale reads, from the steps' figures.
func databaseVerdict(run *results.Run, v Verdict) string {
	var held, cost, fresh []string
	for i, tv := range v.Targets {
		t := &run.Targets[i]
		var stale, reads uint64
		var lagMax float64
		hasDB, hasLag := false, false
		for _, s := range t.Steps {
			if d := s.Database; d != nil {
				hasDB = true
				stale += d.StaleReads
				reads += uint64(d.ReadsPerS*s.DurationS + 0.5)
				if d.ReplicationLagMs != nil {
					hasLag = true
					lagMax = max(lagMax, d.ReplicationLagMs.P99)
				}
			}
		}
		if !hasDB {
			continue
		}
		if run.SLO != nil {
			held = append(held, oneLine(tv.Name)+" "+tv.CapacityLabel)
		}
		switch {
		case hasLag:
			c := fmt.Sprintf("%s %s stale of %s reads", oneLine(tv.Name), Number(float64(stale)), Number(float64(reads)))
			if reads > 0 {
				ci := results.WilsonInterval(float64(stale), float64(reads))
				c += fmt.Sprintf(" (%s [%s, %s])", Percent(float64(stale)/float64(reads)), Percent(ci[0]), Percent(ci[1]))
			}
			cost = append(cost, c+fmt.Sprintf(", lag p99 up to %s", Millis(lagMax)))
		case stale == 0:
			fresh = append(fresh, oneLine(tv.Name))
		default:
			cost = append(cost, fmt.Sprintf("%s %s stale reads (no replicas: a cache in front)", oneLine(tv.Name), Number(float64(stale))))
		}
	}
	var out []string
	if len(held) > 0 {
		out = append(out, "Held the SLO up to: "+strings.Join(held, ", ")+".")
	}
	if len(cost) > 0 {
		out = append(out, "What reading from replicas cost: "+strings.Join(cost, "; ")+".")
	}
	if len(fresh) > 0 {
		out = append(out, "No stale reads (every read saw the latest acknowledged write): "+strings.Join(fresh, ", ")+".")
	}
	return strings.Join(out, " ")
}
