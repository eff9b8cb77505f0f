package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/scalebench/scalebench/analysis"
	"github.com/scalebench/scalebench/results"
)

// Verdict is the analysis of one run shared by every output: who wins at
// each load level, each target's SLO verdict, capacity and breaking point,
// and every warning.
type Verdict struct {
	// SLO describes the objective in words ("p99 ≤ 50 ms, errors ≤ 1%"),
	// or is empty when the run had none.
	SLO string
	// Levels holds one entry per load level (step index), in order.
	Levels []Level
	// Targets holds one entry per target, in scenario order.
	Targets []TargetVerdict
	// Warnings lists every warning of the run, its targets and steps, in
	// order: run-wide first, then by target and step.
	Warnings []Warning
	// InvalidSteps counts steps whose numbers cannot be trusted.
	InvalidSteps int
	// Alerts are findings too serious to leave among the warnings, shown
	// in the verdict itself: a queue target that lost jobs, or whose job
	// accounting is incomplete.
	Alerts []string
	// Analysis is the run's analysis (package analysis), recomputed from
	// the stored steps: every winner, tie and headline comes from it.
	Analysis *results.Analysis
	// Faults says per target what its faults cost, in one line each, and
	// which target kept the users' requests alive (see faults.go).
	Faults []string
}

// Level is one load level (the steps with the same index across targets).
type Level struct {
	// Index is the 0-based step index.
	Index int
	// Load is the offered rate (open model) or concurrency (closed model).
	Load float64
	// Label is Load with its unit: "1,000 req/s" or "64 clients".
	Label string
	// Winner is the winning target's name, "" when no target qualified.
	Winner string
	// Best is the target with the lowest p99 among valid steps, even when
	// none met the SLO (then Winner is ""); "" when no step was valid.
	Best string
	// Entries are every target's figures at this level, best p99 first
	// (qualifying targets before the others).
	Entries []Entry
	// Summary says in words who won and by how much, or why nobody did:
	// "cluster: p99 4.1 ms [3.9, 4.4] vs single 180 ms [150, 210] (44×
	// higher, p = 0.001)", or "no clear difference between …".
	Summary string
	// Tied lists the targets sharing the best place when there is no
	// clear winner (analysis.LevelVerdict.Tied).
	Tied []string
}

// Entry is one target's figures at one load level.
type Entry struct {
	Target     string
	P99        float64
	Throughput float64
	Valid      bool
	// SLO is "pass", "fail" or "" (no SLO).
	SLO string
	// Qualified is true when the step is valid and met the SLO (or there
	// is no SLO): only qualified entries can win.
	Qualified bool
}

// TargetVerdict is one target's outcome over the whole run.
type TargetVerdict struct {
	Name     string
	Topology string
	// Status is the target's status ("ok", "failed", …).
	Status string
	// Error explains a failed target.
	Error string
	// SLO is "pass", "fail" or "" (no SLO in the run).
	SLO string
	// Capacity is the highest load of a valid step that met the SLO;
	// HasCapacity is false when none did (or there is no SLO).
	Capacity    float64
	HasCapacity bool
	// CapacityLabel is Capacity with its unit, or "none".
	CapacityLabel string
	// Searched is true when a capacity search set Capacity (capacity.go).
	Searched bool
	// BrokeAt is the lowest load of a valid step that failed the SLO;
	// Broke is false when no valid step failed.
	BrokeAt float64
	Broke   bool
	// BrokeLabel is BrokeAt with its unit and the reason ("1,000 req/s
	// (p99 180 ms > 50 ms)"), or "" when it did not break.
	BrokeLabel string
	// BrokeWhy is the measured figure that broke the SLO, without the
	// limit: "p99 180 ms", "errors 4.3%".
	BrokeWhy string
	// SLOReason says why the SLO failed when no valid step broke it:
	// "interrupted", "failed", "skipped", "no steps measured", "failed at
	// an invalid step"; "" otherwise.
	SLOReason string
	// Wins counts the load levels this target won outright; TiedBest
	// those where it shared the best place.
	Wins     int
	TiedBest int
	// Compared is how many load levels the analysis compared this target
	// at (capacity probes included, which the per-level verdict leaves out).
	Compared int
	// CapacityReason is the sentence, with the interval, that made the
	// capacity call ("capacity 200 req/s: at 350 req/s p99 80 ms [70, 95]
	// > 50 ms").
	CapacityReason string
	// InvalidSteps counts this target's invalid steps.
	InvalidSteps int
	// Steps counts this target's measured steps.
	Steps int
}

// Warning is one finding, with where it came from.
type Warning struct {
	// Target is the target's name, "" for a run-wide warning.
	Target string
	// Step is the step index, -1 for a run- or target-wide warning.
	Step int
	// Load labels the step's load level, "" when Step is -1.
	Load string
	// Invalid is true when the warning belongs to an invalid step.
	Invalid bool
	// Text is the warning as recorded.
	Text string
}

// Where says where a warning came from: "run", "cluster", or "cluster at
// 2,000 req/s".
func (w Warning) Where() string {
	switch {
	case w.Target == "":
		return "run"
	case w.Step < 0:
		return w.Target
	default:
		return w.Target + " at " + w.Load
	}
}

// Analyze computes the verdict of a run.
//
// The winner at a load level is the target with the lowest p99 latency
// (from the intended send time) among the targets whose step at that level
// is valid and met the SLO (with no SLO: every valid step). p99 values
// equal to three significant figures are a tie, broken by the higher
// throughput, then by scenario order. Capacity is the highest load of a
// valid step that met the SLO; a target broke at the lowest load of a valid
// step that failed it. Invalid steps never win, never count as capacity and
// never count as a break: their numbers cannot be trusted.
func Analyze(run *results.Run) Verdict {
	v := Verdict{SLO: sloText(run.SLO)}
	for _, w := range run.Warnings {
		v.Warnings = append(v.Warnings, Warning{Step: -1, Text: w})
	}
	v.Warnings = append(v.Warnings, scalingWarnings(run)...)
	levels := map[int]*Level{}
	for ti := range run.Targets {
		v.Targets = append(v.Targets, analyzeTarget(&v, run, &run.Targets[ti], levels))
	}
	idx := make([]int, 0, len(levels))
	for i := range levels {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	order := map[string]int{}
	for i, t := range run.Targets {
		order[t.Name] = i
	}
	for _, i := range idx {
		lv := levels[i]
		decide(lv, order)
		v.Levels = append(v.Levels, *lv)
	}
	v.Analysis = analysis.Recompute(run)
	overlay(&v)
	v.Faults = faultLines(run)
	return v
}

// analyzeTarget is one target's verdict; its steps join their levels and
// their warnings and alerts join v's.
func analyzeTarget(v *Verdict, run *results.Run, t *results.Target, levels map[int]*Level) TargetVerdict {
	tv := TargetVerdict{Name: t.Name, Topology: t.Topology, Status: t.Status, Error: t.Error, CapacityLabel: "none", Steps: len(t.Steps)}
	switch {
	case t.Status == results.StatusFailed && t.Error != "":
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: -1, Text: "target failed: " + t.Error})
	case t.Status == results.StatusInterrupted && t.Error != "":
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: -1, Text: "target interrupted: " + t.Error})
	}
	for _, w := range t.Warnings {
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: -1, Text: w})
	}
	sloFailed, invalidFailed := false, false
	for si := range t.Steps {
		s := &t.Steps[si]
		if s.Probe { // a capacity search's probe (capacity.go)
			probeStep(v, &tv, t, s)
			continue
		}
		lv := levels[s.Index]
		if lv == nil {
			load := stepLoad(s)
			lv = &Level{Index: s.Index, Load: load, Label: loadLabel(modelOfStep(s), load)}
			levels[s.Index] = lv
		}
		failed, invalid := stepVerdict(v, &tv, run, t, s, lv)
		sloFailed, invalidFailed = sloFailed || failed, invalidFailed || invalid
	}
	if tv.HasCapacity {
		tv.CapacityLabel = loadLabel(modelOf(t), tv.Capacity)
	}
	if run.SLO != nil {
		tv.SLO, tv.SLOReason = targetSLO(t, sloFailed, invalidFailed)
	}
	if t.Search != nil {
		searchVerdict(&tv, t) // capacity.go
	}
	v.Alerts = append(v.Alerts, jobAlerts(t)...)
	return tv
}

// stepVerdict enters step s into its level, its warnings into v, and its
// SLO outcome into the target's capacity and break; it says whether a
// valid step failed the SLO, and whether an invalid one did.
func stepVerdict(v *Verdict, tv *TargetVerdict, run *results.Run, t *results.Target, s *results.Step, lv *Level) (sloFailed, invalidFailed bool) {
	load := stepLoad(s)
	slo := stepSLO(run.SLO, s)
	// A failed target's figures never win, whatever its steps say.
	usable := s.Valid && t.Status != results.StatusFailed
	lv.Entries = append(lv.Entries, Entry{
		Target: t.Name, P99: s.Latency.P99, Throughput: s.Throughput, Valid: usable,
		SLO: slo, Qualified: usable && slo != "fail",
	})
	if !s.Valid {
		tv.InvalidSteps++
		v.InvalidSteps++
	}
	for _, w := range s.Warnings {
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: s.Index, Load: lv.Label, Invalid: !s.Valid, Text: w})
	}
	if !s.Valid && len(s.Warnings) == 0 {
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: s.Index, Load: lv.Label, Invalid: true, Text: "step marked invalid (no reason recorded)"})
	}
	if bad := outOfRange(s); bad != "" {
		v.Warnings = append(v.Warnings, Warning{Target: t.Name, Step: s.Index, Load: lv.Label, Invalid: !s.Valid, Text: bad})
	}
	if run.SLO == nil {
		return false, false
	}
	if !s.Valid {
		return false, slo == "fail"
	}
	switch slo {
	case "pass":
		if !tv.HasCapacity || load > tv.Capacity {
			tv.Capacity, tv.HasCapacity = load, true
		}
	case "fail":
		if !tv.Broke || load < tv.BrokeAt {
			tv.BrokeAt, tv.Broke = load, true
			tv.BrokeLabel = loadLabel(modelOfStep(s), load) + " (" + failReason(run.SLO, s) + ")"
			tv.BrokeWhy = shortReason(run.SLO, s)
		}
		return true, false
	}
	return false, false
}

// overlay takes every winner, tie, reason and standing from the analysis,
// whose levels are the same step indices in the same order.
func overlay(v *Verdict) {
	a := v.Analysis
	for i := range v.Levels {
		if i >= len(a.Levels) {
			break
		}
		lv, al := &v.Levels[i], a.Levels[i]
		lv.Winner, lv.Tied, lv.Summary = "", al.Tied, al.Reason
		if al.Winner != nil {
			lv.Winner = *al.Winner
		}
		if len(al.Excluded) > 0 && (al.Winner != nil || len(al.Tied) > 0) {
			lv.Summary += "; not compared: " + strings.Join(al.Excluded, ", ")
		}
	}
	for i := range v.Targets {
		if i < len(a.Targets) && a.Targets[i].Name == v.Targets[i].Name {
			v.Targets[i].Wins, v.Targets[i].TiedBest = a.Targets[i].Wins, a.Targets[i].TiedBest
			v.Targets[i].Compared = a.Targets[i].Levels
			v.Targets[i].CapacityReason = a.Targets[i].CapacityReason
		}
	}
}

// targetSLO is a target's SLO verdict and, when it failed although no
// valid step broke the SLO, the reason.
func targetSLO(t *results.Target, sloFailed, invalidFailed bool) (verdict, reason string) {
	switch {
	case sloFailed:
		return "fail", ""
	case t.Status != "" && t.Status != results.StatusOK:
		return "fail", t.Status
	case len(t.Steps) == 0:
		return "fail", "no steps measured"
	case invalidFailed:
		return "fail", "failed at an invalid step"
	case t.SLOPassed != nil && !*t.SLOPassed:
		return "fail", "failed by the runner's verdict"
	}
	return "pass", ""
}

// decide sorts a level's entries and names its winner.
func decide(lv *Level, order map[string]int) {
	slices.SortStableFunc(lv.Entries, func(a, b Entry) int {
		if a.Qualified != b.Qualified {
			if a.Qualified {
				return -1
			}
			return 1
		}
		if a.Valid != b.Valid {
			if a.Valid {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(sig3(a.P99), sig3(b.P99)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Throughput, a.Throughput); c != 0 {
			return c
		}
		return cmp.Compare(order[a.Target], order[b.Target])
	})
	if len(lv.Entries) == 0 || !lv.Entries[0].Valid {
		lv.Summary = "no target had a valid step"
		return
	}
	w := lv.Entries[0]
	lv.Best = w.Target
	prefix := ""
	if w.Qualified {
		lv.Winner = w.Target
	} else {
		prefix = "none met the SLO; lowest p99: "
	}
	if len(lv.Entries) == 1 {
		lv.Summary = fmt.Sprintf("%s%s: p99 %s (the only target measured)", prefix, w.Target, Millis(w.P99))
		return
	}
	s := fmt.Sprintf("%s%s: p99 %s vs ", prefix, w.Target, Millis(w.P99))
	for i, e := range lv.Entries[1:] {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %s (%s)", e.Target, Millis(e.P99), compare(w, e))
	}
	lv.Summary = s
}

// compare says how much better w is than e.
func compare(w, e Entry) string {
	var s string
	switch {
	case sig3(w.P99) == sig3(e.P99):
		s = "same p99, " + Ratio(w.Throughput, e.Throughput) + " throughput"
	case e.P99 < w.P99 && !e.Valid:
		return "not counted: invalid step"
	case e.P99 < w.P99:
		return "not counted: failed SLO"
	case !e.Valid:
		return Ratio(e.P99, w.P99) + " lower; invalid step"
	case w.P99 > 0:
		s = Ratio(e.P99, w.P99) + " lower"
	default:
		s = "lower"
	}
	if e.SLO == "fail" && w.SLO != "fail" {
		s += "; failed SLO"
	}
	return s
}

// Ratio formats a/b as a factor: "1.3×", "44×".
func Ratio(a, b float64) string {
	if b <= 0 {
		return "∞×"
	}
	r := a / b
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.1f×", r)
}

func sig3(x float64) float64 {
	if x == 0 {
		return 0
	}
	var f float64
	fmt.Sscanf(fmt.Sprintf("%.3g", x), "%g", &f)
	return f
}

// stepLoad is the load level of a step: offered rate, or concurrency.
func stepLoad(s *results.Step) float64 { return s.Load() }

func modelOf(t *results.Target) string {
	if len(t.Steps) > 0 {
		return modelOfStep(&t.Steps[0])
	}
	return "open"
}

// stepSLO is "pass", "fail" or "" for a step, trusting the recorded
// verdict and recomputing it when the runner left none.
func stepSLO(slo *results.SLO, s *results.Step) string {
	if slo == nil {
		return ""
	}
	if s.SLOPassed != nil {
		if *s.SLOPassed {
			return "pass"
		}
		return "fail"
	}
	if failReason(slo, s) != "" {
		return "fail"
	}
	return "pass"
}

// failReason says why a step failed the SLO, or "" when it met it:
// "p99 183 ms > 50 ms, errors 4.3% > 1%" (results.SLO.Misses decides).
func failReason(slo *results.SLO, s *results.Step) string {
	var why []string
	for _, m := range slo.Misses(s) {
		why = append(why, missText(m, true))
	}
	return strings.Join(why, ", ")
}

// shortReason is the first measured figure that broke the SLO, without
// the limit: "p99 2.54 s", "errors 4.3%", "delivery 97%".
func shortReason(slo *results.SLO, s *results.Step) string {
	if m := slo.Misses(s); len(m) > 0 {
		return missText(m[0], false)
	}
	return "SLO failed"
}

// missText formats one miss, with its limit or without.
func missText(m results.Miss, limit bool) string {
	switch {
	case m.Figure == "requests":
		return "no request completed"
	case m.Figure == "connections":
		return "no connection opened"
	case m.Latency && limit:
		return fmt.Sprintf("%s %s > %s", m.Figure, Millis(m.Got), Millis(m.Limit))
	case m.Latency:
		return m.Figure + " " + Millis(m.Got)
	case m.Figure == "delivery" && limit:
		return fmt.Sprintf("delivery %s < %s", Percent(m.Got), Percent(m.Limit))
	case limit:
		return fmt.Sprintf("%s %s > %s", m.Figure, Percent(m.Got), Percent(m.Limit))
	}
	return m.Figure + " " + Percent(m.Got)
}

func sloText(slo *results.SLO) string {
	if slo == nil {
		return ""
	}
	s := ""
	for _, l := range []struct {
		name string
		ms   float64
	}{{"p50", slo.P50Ms}, {"p90", slo.P90Ms}, {"p95", slo.P95Ms}, {"p99", slo.P99Ms}, {"p99.9", slo.P999Ms}} {
		if l.ms > 0 {
			s += l.name + " ≤ " + Millis(l.ms) + ", "
		}
	}
	s += "errors ≤ " + Percent(slo.ErrorRate)
	if slo.DeliveryRatio > 0 {
		s += ", delivery ≥ " + Percent(slo.DeliveryRatio)
	}
	return s
}
