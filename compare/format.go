package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatValue writes a metric's value with its unit, to three significant
// figures: "4.34 ms", "1000 req/s", "0.12%", "0.481 ms/req".
func FormatValue(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case unit == "ratio":
		return sig(v*100) + "%"
	}
	return sig(v) + " " + unit
}

// sig formats v with three significant figures, without an exponent.
func sig(v float64) string {
	if v == 0 || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	digits := 2 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// FormatChange writes a ratio as a signed percentage: "+12.3%", "-4.0%";
// from 10× on as a factor: "×17", ">×1000".
func FormatChange(ratio float64) string {
	switch {
	case math.IsNaN(ratio):
		return "?"
	case math.IsInf(ratio, 1):
		return "+∞"
	case math.IsInf(ratio, -1):
		return "-∞"
	case ratio >= 1000:
		return ">×1000"
	case ratio >= 10:
		// Percentages stop reading well past +900%.
		return fmt.Sprintf("×%.0f", ratio)
	}
	return fmt.Sprintf("%+.1f%%", (ratio-1)*100)
}

// FormatCI writes a ratio interval as percentages, "[+8.1%, +16.7%]", or
// "" when it is unknown.
func FormatCI(ci [2]float64) string {
	if math.IsNaN(ci[0]) || math.IsNaN(ci[1]) {
		return ""
	}
	return "[" + FormatChange(ci[0]) + ", " + FormatChange(ci[1]) + "]"
}

// FormatP writes the adjusted p-value: "0.012", "<0.001", or "–" when untested.
func FormatP(r Row) string {
	switch {
	case !r.Tested():
		return "–"
	case r.PAdjusted < 0.001:
		return "<0.001"
	}
	return strconv.FormatFloat(r.PAdjusted, 'f', 3, 64)
}

// CorrectionName is the correction's name in sentences.
func CorrectionName(c string) string {
	if c == BenjaminiHochberg {
		return "Benjamini-Hochberg"
	}
	return "Holm"
}

// Footer is the sentence that says how to read the table.
func (t *Table) Footer() string {
	return fmt.Sprintf("p: two-sided, %s-corrected across %d tested comparisons (α = 0.05); "+
		"better/worse: significant change of at least %s; ~: none",
		CorrectionName(t.Correction), t.Tested(), pct(t.Threshold))
}

// Headline is the short outcome: how many regressions, or that there are
// none, or that nothing could be tested.
func (t *Table) Headline() string {
	regs := t.Regressions()
	switch {
	case t.Tested() == 0:
		return "nothing could be tested (see the notes: invalid steps, or neither ≥ 2 trials on both sides nor 95% intervals)"
	case len(regs) == 0:
		return fmt.Sprintf("no significant regression of at least %s", pct(t.Threshold))
	}
	return fmt.Sprintf("%d significant regression(s) of at least %s", len(regs), pct(t.Threshold))
}

// Conclusion is the one-line outcome: the headline, with every regression.
func (t *Table) Conclusion() string {
	var parts []string
	for _, r := range t.Regressions() {
		parts = append(parts, r.Describe())
	}
	if len(parts) == 0 {
		return t.Headline()
	}
	return t.Headline() + ": " + strings.Join(parts, "; ")
}

// Describe names a row and its change: "single at 1000 req/s: p99 +25.1% [+12.0%, +40.2%]".
func (r Row) Describe() string {
	s := fmt.Sprintf("%s at %s: %s %s", r.Target, FormatLoad(r.Load, r.LoadUnit), r.Metric.Name, FormatChange(r.Ratio))
	if ci := FormatCI(r.RatioCI); ci != "" {
		s += " " + ci
	}
	return s
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', -1, 64) + "%" }
