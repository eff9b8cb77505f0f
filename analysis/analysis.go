package analysis

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// DefaultMinEffect is the smallest relative difference called a win when
// the scenario sets none (5%).
const DefaultMinEffect = 0.05

// Metric is the figure levels are decided on.
const Metric = "p99"

// Of computes the analysis of run with the given minimum effect (≤ 0:
// DefaultMinEffect).
func Of(run *results.Run, minEffect float64) *results.Analysis {
	if minEffect <= 0 {
		minEffect = DefaultMinEffect
	}
	a := &results.Analysis{
		Method: fmt.Sprintf("p99 compared pairwise (%s), Holm-corrected per level at α = %g; a win needs p < α and a difference ≥ %g%%",
			"Welch/Mann-Whitney over trials when each side has ≥ 3, else z-test on the 95% intervals", stats.Alpha, 100*minEffect),
		MinEffect: minEffect,
		Levels:    []results.LevelVerdict{},
	}
	for _, lv := range levelsOf(run) {
		a.Levels = append(a.Levels, decide(lv, minEffect))
	}
	a.Targets = standings(run, a.Levels)
	a.Headline = headline(run, a)
	return a
}

// Recompute is Of with the minimum effect the run was analysed with, for
// re-rendering a stored run.
func Recompute(run *results.Run) *results.Analysis {
	me := 0.0
	if run.Analysis != nil {
		me = run.Analysis.MinEffect
	}
	return Of(run, me)
}

// ms formats milliseconds with three significant figures.
func ms(x float64) string {
	switch {
	case x >= 1000:
		return sig(x/1000) + " s"
	case x > 0 && x < 1:
		return sig(x*1000) + " µs"
	}
	return sig(x) + " ms"
}

// interval formats a latency interval (ms) in the unit ms(v) uses for
// the value it qualifies: "[3.9, 4.4]", "[2.29, 2.79]" beside "2.54 s".
func interval(v float64, iv results.Interval) string {
	scale := 1.0
	switch {
	case v >= 1000:
		scale = 1.0 / 1000
	case v > 0 && v < 1:
		scale = 1000
	}
	return "[" + sig(iv[0]*scale) + ", " + sig(iv[1]*scale) + "]"
}

// sloPassed is whether a step met the SLO: the runner's verdict, or
// judged here from the figures when the step carries none; known is false
// without an SLO.
func sloPassed(slo *results.SLO, s *results.Step) (passed, known bool) {
	switch {
	case s.SLOPassed != nil:
		return *s.SLOPassed, true
	case slo == nil:
		return false, false
	}
	ok := !(slo.P99Ms > 0 && s.Latency.P99 > slo.P99Ms) && s.ErrorRate <= slo.ErrorRate
	if w := s.WebSocket; w != nil && slo.DeliveryRatio > 0 && w.DeliveryRatio < slo.DeliveryRatio {
		ok = false
	}
	return ok, true
}

func sig(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	d := max(2-int(math.Floor(math.Log10(math.Abs(x)))), 0)
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// loadLabel is a level's load with its unit: "350 req/s".
func loadLabel(load float64, unit string) string {
	s := sig(load)
	if load >= 1000 && load == math.Trunc(load) {
		s = strconv.FormatFloat(load, 'f', 0, 64)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
	}
	return s + " " + unit
}

// names joins target names: "a", "a and b", "a, b and c".
func names(ns []string) string {
	switch len(ns) {
	case 0:
		return ""
	case 1:
		return ns[0]
	}
	return strings.Join(ns[:len(ns)-1], ", ") + " and " + ns[len(ns)-1]
}
