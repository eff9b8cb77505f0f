package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// Page is the data the HTML template renders: everything it shows,
// already formatted. It is marshalled for golden tests (report data).
type Page struct {
	Title    string       `json:"title"`
	Overlay  bool         `json:"overlay"`
	Runs     []RunView    `json:"runs"`
	Diffs    []DiffRow    `json:"diffs,omitempty"`
	Charts   []ChartView  `json:"charts"`
	Legend   []LegendItem `json:"legend"`
	Warnings int          `json:"warnings"`
	// Baseline is the comparison with a baseline (run --baseline), if any.
	Baseline *BaselineView `json:"baseline,omitempty"`
}

// LegendItem is a series and its colour.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// ChartView is one chart of the page.
type ChartView struct {
	ID      string `json:"id"`
	File    string `json:"file"`
	Title   string `json:"title"`
	Caption string `json:"caption"`
	// Src is the chart as a data: URI (left out of the golden data).
	Src string `json:"-"`
}

// RunView is one run, formatted.
type RunView struct {
	Label        string        `json:"label"`
	ID           string        `json:"id"`
	Scenario     string        `json:"scenario"`
	Description  string        `json:"description"`
	Status       string        `json:"status"`
	Model        string        `json:"model"`
	Started      string        `json:"started"`
	SLO          string        `json:"slo"`
	Headline     string        `json:"headline"`
	Quick        bool          `json:"quick,omitempty"`
	Alerts       []string      `json:"alerts,omitempty"`
	Faults       []string      `json:"faults,omitempty"`
	Sections     []Table       `json:"sections,omitempty"`
	Decided      bool          `json:"decided"`
	Levels       []Level       `json:"levels"`
	Targets      []TargetRow   `json:"targets"`
	Steps        []StepGroup   `json:"steps"`
	Columns      []string      `json:"columns"`
	Warnings     []WarningView `json:"warnings"`
	InvalidSteps int           `json:"invalid_steps"`
	Environment  [][2]string   `json:"environment"`
	ScenarioYAML string        `json:"scenario_yaml"`
}

// WarningView is a warning with where it came from.
type WarningView struct {
	Where   string `json:"where"`
	Invalid bool   `json:"invalid"`
	Text    string `json:"text"`
}

// TargetRow is one target's verdict line.
type TargetRow struct {
	Name       string `json:"name"`
	Color      string `json:"color"`
	Topology   string `json:"topology"`
	Deployment string `json:"deployment"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	SLO        string `json:"slo"`
	SLOReason  string `json:"slo_reason,omitempty"`
	Detail     string `json:"detail,omitempty"`
	Capacity   string `json:"capacity"`
	BrokeAt    string `json:"broke_at"`
	Wins       int    `json:"wins"`
	// CapacityReason is the figure and interval that made the capacity call.
	CapacityReason string `json:"capacity_reason,omitempty"`
	Invalid        int    `json:"invalid_steps"`
}

// StepGroup is one load level of the comparison table.
type StepGroup struct {
	Label  string    `json:"label"`
	Winner string    `json:"winner"`
	Rows   []StepRow `json:"rows"`
}

// StepRow is one target's figures at one level; Cells follow
// RunView.Columns.
type StepRow struct {
	Target  string   `json:"target"`
	Color   string   `json:"color"`
	Best    bool     `json:"best"`
	Valid   bool     `json:"valid"`
	SLO     string   `json:"slo"`
	Cells   []string `json:"cells"`
	Details string   `json:"details,omitempty"`
}

// DiffRow compares one target at one level between the first run and a
// later one.
type DiffRow struct {
	Target     string `json:"target"`
	Level      string `json:"level"`
	Base       string `json:"base"`
	Other      string `json:"other"`
	P99        string `json:"p99"`
	P99Change  string `json:"p99_change"`
	Throughput string `json:"throughput"`
	TputChange string `json:"throughput_change"`
	Errors     string `json:"errors"`
	CPU        string `json:"cpu"`
	Worse      bool   `json:"worse"`
}

// baseColumns are the comparison table's fixed columns.
var baseColumns = []string{"offered", "achieved", "throughput", "p50", "p90", "p99", "p99.9", "max", "errors", "errors by kind", "target CPU", "CPU per request", "target RSS", "generator CPU"}

func buildPage(runs []*results.Run, charts []Chart) Page {
	ss := seriesOf(runs)
	colors := map[*results.Target]string{}
	for _, s := range ss {
		colors[s.Target] = s.hex()
	}
	pg := Page{Overlay: len(runs) > 1}
	labels := runLabels(runs)
	for _, s := range ss {
		pg.Legend = append(pg.Legend, LegendItem{Label: s.Label, Color: s.hex()})
	}
	for i, r := range runs {
		rv := runView(r, labels[i], colors)
		pg.Warnings += len(rv.Warnings)
		pg.Runs = append(pg.Runs, rv)
	}
	if len(runs) == 1 {
		pg.Title = "scalebench: " + runs[0].Scenario
	} else {
		pg.Title = "scalebench: " + strconv.Itoa(len(runs)) + " runs compared"
		for _, r := range runs[1:] {
			pg.Diffs = append(pg.Diffs, diffs(runs[0], r, labels[0], labels[slices.Index(runs, r)])...)
		}
	}
	for _, c := range charts {
		pg.Charts = append(pg.Charts, ChartView{
			ID:   "chart-" + slug(strings.TrimSuffix(strings.TrimPrefix(c.File, "charts/"), ".png")),
			File: c.File, Title: c.Title, Caption: c.Caption, Src: dataURI(c.PNG),
		})
	}
	return pg
}

func runView(r *results.Run, label string, colors map[*results.Target]string) RunView {
	v := Analyze(r)
	rv := RunView{
		Label: label, ID: r.ID, Scenario: r.Scenario, Description: r.Description, Status: r.Status,
		Model: r.Model, SLO: v.SLO, Levels: v.Levels, InvalidSteps: v.InvalidSteps,
		ScenarioYAML: r.ScenarioYAML, Headline: headline(v), Quick: r.Quick, Alerts: v.Alerts, Faults: v.Faults, Sections: Sections(r),
	}
	rv.Decided = decided(v)
	if !r.StartedAt.IsZero() {
		rv.Started = r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	for _, w := range v.Warnings {
		rv.Warnings = append(rv.Warnings, WarningView{Where: w.Where(), Invalid: w.Invalid, Text: w.Text})
	}
	for i, tv := range v.Targets {
		t := &r.Targets[i]
		rv.Targets = append(rv.Targets, TargetRow{
			Name: tv.Name, Color: colors[t], Topology: tv.Topology, Deployment: deployment(t.Deployment),
			Status: tv.Status, Error: tv.Error, SLO: tv.SLO, SLOReason: tv.SLOReason, Capacity: tv.CapacityLabel, BrokeAt: tv.BrokeLabel,
			Wins: tv.Wins, Invalid: tv.InvalidSteps, CapacityReason: capacityWhy(tv.CapacityReason),
		})
		if tv.Status == results.StatusInterrupted {
			rv.Targets[i].Detail = interruptedDetail(tv)
		}
	}
	extra := extraKeys(r)
	rv.Columns = append(slices.Clone(baseColumns), extra...)
	for _, lv := range v.Levels {
		g := StepGroup{Label: lv.Label, Winner: lv.Winner}
		for ti := range r.Targets {
			t := &r.Targets[ti]
			s := stepAt(t, lv.Index)
			if s == nil {
				continue
			}
			g.Rows = append(g.Rows, StepRow{
				Target: t.Name, Color: colors[t], Best: t.Name == lv.Winner, Valid: s.Valid,
				SLO: stepSLO(r.SLO, s), Cells: stepCells(s, extra), Details: stepDetails(s),
			})
		}
		rv.Steps = append(rv.Steps, g)
	}
	rv.Environment = environment(r)
	return rv
}

// headline is the main finding in one or two plain sentences, judged at
// the top load (the highest load level):
//
//   - some targets held the SLO there: "cluster and replicas held the SLO
//     up to the top load (350 req/s); single broke at 350 req/s (p99
//     2.54 s). Lowest p99 at the top load: replicas, 7.78 ms."
//   - none did: "No target held the SLO at the top load (350 req/s): best
//     there was cluster, p99 614 ms vs single 1.26 s (2.1× lower),
//     throughput 284 vs 217 req/s. Highest capacity: single and cluster,
//     100 req/s."
//   - no SLO: the top-load comparison, then who led the most levels.
func headline(v Verdict) string {
	return verdictHeadline(v) + fallbackSentence(v)
}

// FallbackPrefix starts a run-wide warning saying a component was replaced
// by another (the nginx image missing, the Go balancer used): such a
// warning changes what was measured, so the headline repeats it.
const FallbackPrefix = "fallback: "

// fallbackSentence repeats the run's fallback warnings after the headline.
func fallbackSentence(v Verdict) string {
	var s string
	for _, w := range v.Warnings {
		if w.Target == "" && strings.HasPrefix(w.Text, FallbackPrefix) {
			s += " ⚠ " + strings.TrimPrefix(w.Text, FallbackPrefix) + "."
		}
	}
	return s
}

// verdictHeadline is the headline's verdict, without the fallbacks.
func verdictHeadline(v Verdict) string {
	top := topLevel(v)
	if top == nil {
		if h := searchHeadline(v); h != "" { // capacity.go
			return h
		}
		return "No load step was measured: no verdict is possible; see the warnings."
	}
	if v.Analysis != nil && v.Analysis.Headline != "" {
		return sloHeadline(v, *top)
	}
	if top.Best == "" {
		return fmt.Sprintf("No target had a valid step at the top load (%s): no verdict is possible there; see the warnings.", top.Label) + capacitySentence(v)
	}
	if v.SLO == "" {
		s := fmt.Sprintf("At the top load (%s) %s had the lowest p99, %s.", top.Label, top.Best, bestVsNext(*top))
		if len(v.Levels) > 1 {
			best := map[string]int{}
			for _, lv := range v.Levels {
				if lv.Best != "" {
					best[lv.Best]++
				}
			}
			names, n := leaders(v, best)
			s += fmt.Sprintf(" %s the lowest p99 at %d of %d load levels.", names, n, len(v.Levels))
		}
		return s
	}
	s, ok := heldSentence(v, *top)
	if !ok {
		return fmt.Sprintf("No target held the SLO at the top load (%s): best there was %s, p99 %s.", top.Label, top.Best, bestVsNext(*top)) + capacitySentence(v)
	}
	var p99 float64
	for _, e := range top.Entries {
		if e.Target == top.Best {
			p99 = e.P99
		}
	}
	return s + fmt.Sprintf(". Lowest p99 at the top load: %s, %s.", top.Best, Millis(p99))
}

// sloHeadline is the analysis headline (verdicts only where significant),
// after who held the SLO up to the top load when there is an SLO.
func sloHeadline(v Verdict, top Level) string {
	a := v.Analysis.Headline
	if v.SLO == "" {
		return a
	}
	s, ok := heldSentence(v, top)
	if !ok {
		return fmt.Sprintf("No target held the SLO at the top load (%s).", top.Label) + capacitySentence(v)
	}
	return s + ". " + a
}

// heldSentence names the targets that held the SLO up to the top load and
// what became of the others; ok is false when none held it.
func heldSentence(v Verdict, top Level) (s string, ok bool) {
	held := map[string]bool{}
	for _, e := range top.Entries {
		held[e.Target] = e.Qualified
	}
	var holders, others []string
	for _, t := range v.Targets {
		if held[t.Name] && !t.Broke {
			holders = append(holders, t.Name)
		} else {
			others = append(others, fate(t, top))
		}
	}
	if len(holders) == 0 {
		return "", false
	}
	s = fmt.Sprintf("%s held the SLO up to the top load (%s)", joinAnd(holders), top.Label)
	if len(others) > 0 {
		s += "; " + strings.Join(others, "; ")
	}
	return s, true
}

// topLevel is the level with the highest load (the last one on a tie).
func topLevel(v Verdict) *Level {
	var top *Level
	for i := range v.Levels {
		if top == nil || v.Levels[i].Load >= top.Load {
			top = &v.Levels[i]
		}
	}
	return top
}

// bestVsNext compares the best valid entry of a level with the next valid
// one: "614 ms vs single 1.26 s (2.1× lower), throughput 284 vs 217
// req/s".
func bestVsNext(lv Level) string {
	var valid []Entry
	for _, e := range lv.Entries {
		if e.Valid {
			valid = append(valid, e)
		}
	}
	// Entries put qualified steps first; the best by p99 among valid ones
	// is lv.Best.
	slices.SortStableFunc(valid, func(a, b Entry) int {
		switch {
		case a.Target == lv.Best:
			return -1
		case b.Target == lv.Best:
			return 1
		}
		return cmpFloat(sig3(a.P99), sig3(b.P99))
	})
	w := valid[0]
	if len(valid) == 1 {
		var invalid []string
		for _, e := range lv.Entries {
			if !e.Valid {
				invalid = append(invalid, e.Target)
			}
		}
		note := "the only target measured"
		if len(invalid) > 0 {
			note = "the only valid step; " + joinAnd(invalid) + ": invalid, not trusted"
		}
		return fmt.Sprintf("%s, throughput %s req/s (%s)", Millis(w.P99), Number(math.Round(w.Throughput)), note)
	}
	e := valid[1]
	how := "same p99"
	if sig3(e.P99) != sig3(w.P99) && w.P99 > 0 {
		how = Ratio(e.P99, w.P99) + " lower"
	}
	return fmt.Sprintf("%s vs %s %s (%s), throughput %s vs %s req/s", Millis(w.P99), e.Target, Millis(e.P99), how,
		Number(math.Round(w.Throughput)), Number(math.Round(e.Throughput)))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fate says why a target did not hold the SLO at the top load.
func fate(t TargetVerdict, top Level) string {
	switch t.Status {
	case results.StatusFailed:
		return t.Name + " failed"
	case results.StatusSkipped:
		return t.Name + " was skipped"
	}
	if t.Broke {
		at, _, _ := strings.Cut(t.BrokeLabel, " (")
		return fmt.Sprintf("%s broke at %s (%s)", t.Name, at, t.BrokeWhy)
	}
	for _, e := range top.Entries {
		if e.Target == t.Name && !e.Valid {
			return t.Name + " had an invalid step there (not trusted)"
		}
		if e.Target == t.Name {
			return t.Name + " failed the SLO there"
		}
	}
	if t.Status == results.StatusInterrupted {
		return t.Name + " was interrupted before the top load"
	}
	return t.Name + " has no step at the top load"
}

// capacitySentence names the targets with the highest capacity:
// " Highest capacity: single and cluster, 100 req/s."
func capacitySentence(v Verdict) string {
	var most float64
	var label string
	var holders []string
	for _, t := range v.Targets {
		if !t.HasCapacity {
			continue
		}
		switch {
		case len(holders) == 0 || t.Capacity > most:
			most, label, holders = t.Capacity, t.CapacityLabel, []string{t.Name}
		case t.Capacity == most:
			holders = append(holders, t.Name)
		}
	}
	if len(holders) == 0 {
		if v.SLO == "" {
			return ""
		}
		return " No target met the SLO at any load level."
	}
	return fmt.Sprintf(" Highest capacity: %s, %s.", joinAnd(holders), label)
}

// leaders names the targets with the highest count, in scenario order:
// "cluster had", "cluster and replicas each had".
func leaders(v Verdict, counts map[string]int) (string, int) {
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	var names []string
	for _, t := range v.Targets {
		if counts[t.Name] == top && top > 0 {
			names = append(names, t.Name)
		}
	}
	if len(names) == 1 {
		return names[0] + " had", top
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1] + " each had", top
}

func extraKeys(r *results.Run) []string {
	keys := map[string]bool{}
	for _, t := range r.Targets {
		for _, s := range t.Steps {
			for k := range s.Extra {
				keys[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(keys))
}

func stepCells(s *results.Step, extra []string) []string {
	kinds := ""
	for _, k := range slices.Sorted(maps.Keys(s.ErrorsByKind)) {
		if kinds != "" {
			kinds += ", "
		}
		kinds += k + " " + Number(float64(s.ErrorsByKind[k]))
	}
	gen := sig(s.Generator.CPUCores) + " cores"
	if s.Generator.Saturated {
		gen += " (saturated)"
	}
	cells := []string{
		offered(s), Rate(s.AchievedRate), throughputWithCI(s),
		latencyWithCI(s, "p50"), latencyWithCI(s, "p90"), latencyWithCI(s, "p99"), latencyWithCI(s, "p999"), Millis(s.Latency.Max),
		errorsWithCI(s), kinds,
		sig(s.Resources.CPUCoresMean) + " cores", cpuPerRequestWithCI(s), Bytes(s.Resources.RSSBytesMax), gen,
	}
	for _, k := range extra {
		if v, ok := s.Extra[k]; ok {
			cells = append(cells, sig(v))
		} else {
			cells = append(cells, "")
		}
	}
	return cells
}

func stepDetails(s *results.Step) string {
	d := fmt.Sprintf("%s requests, %s unsent; service time p99 %s; schedule lag p99 %s",
		Number(float64(s.Requests)), Number(float64(s.Unsent)), Millis(s.ServiceTime.P99), Millis(s.ScheduleLag.P99))
	if s.LittlesLaw != nil {
		d += fmt.Sprintf("; Little's law: in flight %s measured vs %s predicted", sig(s.LittlesLaw.MeasuredConcurrency), sig(s.LittlesLaw.PredictedConcurrency))
		if !s.LittlesLaw.Holds {
			d += " (does not hold)"
		}
	}
	return d
}

func deployment(d results.Deployment) string {
	parts := []string{fmt.Sprintf("%d instance%s", d.Instances, plural(d.Instances))}
	if d.Balancer != "" {
		b := "balancer " + d.Balancer
		if d.BalancerPolicy != "" {
			b += " (" + d.BalancerPolicy + ")"
		}
		parts = append(parts, b)
	}
	if d.CPUBudget > 0 {
		b := sig(d.CPUBudget) + " CPU each"
		if !d.CPUBudgetEnforced {
			b += " (NOT enforced)"
		}
		parts = append(parts, b)
	}
	if d.GOMAXPROCS > 0 {
		parts = append(parts, "GOMAXPROCS="+strconv.Itoa(d.GOMAXPROCS))
	}
	if len(d.CPUs) > 0 {
		parts = append(parts, "CPUs "+ints(d.CPUs))
	}
	if d.MemoryLimitBytes > 0 {
		parts = append(parts, Bytes(d.MemoryLimitBytes)+" memory")
	}
	parts = append(parts, d.Notes...)
	return strings.Join(parts, " · ")
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func environment(r *results.Run) [][2]string {
	e := r.Environment
	kv := [][2]string{
		{"CPU", fmt.Sprintf("%s, %d logical CPUs", e.CPUModel, e.CPUs)},
		{"memory", Bytes(e.MemoryBytes)},
		{"OS / kernel", e.OS + "/" + e.Arch + " " + e.Kernel},
		{"scalebench", e.ScalebenchVersion},
		{"Go", e.GoVersion},
		{"driver", e.Driver},
	}
	for _, k := range slices.Sorted(maps.Keys(e.Components)) {
		kv = append(kv, [2]string{k, e.Components[k]})
	}
	budget := "not enforced"
	if e.CPUBudgetEnforced {
		budget = "enforced (" + e.CPUBudgetMechanism + ")"
	}
	kv = append(kv, [2]string{"CPU budgets", budget})
	place := "not pinned"
	if len(e.GeneratorCPUs) > 0 || len(e.TargetCPUs) > 0 {
		place = "generator on CPUs " + ints(e.GeneratorCPUs) + ", targets on CPUs " + ints(e.TargetCPUs)
	}
	kv = append(kv, [2]string{"placement", place})
	if e.GitCommit != "" {
		kv = append(kv, [2]string{"git commit", e.GitCommit})
	}
	if e.Hostname != "" {
		kv = append(kv, [2]string{"host", e.Hostname})
	}
	kv = append(kv, [2]string{"scenario", r.ScenarioFile})
	return kv
}

// diffs compares run b with the base run a, target by target (by name)
// and level by level (by index).
func diffs(a, b *results.Run, la, lb string) []DiffRow {
	var out []DiffRow
	for ti := range a.Targets {
		ta := &a.Targets[ti]
		var tb *results.Target
		for j := range b.Targets {
			if b.Targets[j].Name == ta.Name {
				tb = &b.Targets[j]
			}
		}
		if tb == nil {
			continue
		}
		for si := range ta.Steps {
			sa := &ta.Steps[si]
			sb := stepAt(tb, sa.Index)
			if sb == nil {
				continue
			}
			out = append(out, DiffRow{
				Target: ta.Name, Level: loadLabel(sa.Model, stepLoad(sa)), Base: la, Other: lb,
				P99:        Millis(sa.Latency.P99) + " → " + Millis(sb.Latency.P99),
				P99Change:  change(sa.Latency.P99, sb.Latency.P99),
				Throughput: Rate(sa.Throughput) + " → " + Rate(sb.Throughput),
				TputChange: change(sa.Throughput, sb.Throughput),
				Errors:     Percent(sa.ErrorRate) + " → " + Percent(sb.ErrorRate),
				CPU:        sig(sa.Resources.CPUCoresMean) + " → " + sig(sb.Resources.CPUCoresMean) + " cores",
				Worse:      sb.Latency.P99 > sa.Latency.P99*1.1 || sb.ErrorRate > sa.ErrorRate,
			})
		}
	}
	return out
}

// change is the relative change from a to b: "+12%", "−40%".
func change(a, b float64) string {
	if a == 0 {
		if b == 0 {
			return "0%"
		}
		return "new"
	}
	// A tenth of a percent is the finest change worth reading; below it
	// the runs are the same ("−0.000998%" said nothing).
	c := math.Round((b-a)/a*1000) / 10
	switch {
	case c == 0:
		return "0%"
	case c > 0:
		return "+" + sig(c) + "%"
	}
	return "−" + sig(-c) + "%"
}

// joinAnd joins names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// decided is whether the verdict box may show as settled (green): at the
// top load at least one target qualified (valid, met the SLO) and so a
// winner or a tie was named there. A run whose every target failed the
// SLO at the top load, or was invalid there, is not settled.
func decided(v Verdict) bool {
	if v.Analysis == nil || len(v.Analysis.Levels) == 0 {
		return false
	}
	top := v.Analysis.Levels[len(v.Analysis.Levels)-1]
	return top.Winner != nil || len(top.Tied) > 0
}
