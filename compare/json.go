package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// JSONSchemaVersion is the version of the compare.json layout (see
// docs/compare.md).
const JSONSchemaVersion = "1.0"

// JSON writes the comparison as compare.json. Numbers that are not finite
// (an unknown interval, a ratio over a zero base) are written as null.
func JSON(w io.Writer, t *Table) error {
	doc := jsonTable{
		SchemaVersion: JSONSchemaVersion, Base: t.Base, New: t.New,
		Threshold: t.Threshold, Correction: t.Correction, Alpha: 0.05,
		Environment: nonNil(t.Environment), NotCompared: nonNil(t.NotCompared), Warnings: nonNil(t.Warnings),
		Comparisons: t.Tested(), Regressions: len(t.Regressions()), Conclusion: t.Conclusion(),
		Rows: []jsonRow{},
	}
	for _, r := range t.Rows {
		doc.Rows = append(doc.Rows, jsonRow{
			Target: r.Target, Load: r.Load, LoadUnit: r.LoadUnit,
			Metric: r.Metric.Name, Unit: r.Metric.Unit, LowerIsBetter: r.Metric.LowerIsBetter,
			Base: num(r.Base), New: num(r.New), Ratio: num(r.Ratio),
			RatioCI: interval(r.RatioCI), P: num(r.P), PAdjusted: num(r.PAdjusted),
			Method: r.Method, NBase: r.N1, NNew: r.N2, Tested: r.Tested(),
			Significant: r.Significant, Verdict: r.Verdict, Regression: r.Regression, Note: r.Note,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write compare json: %w", err)
	}
	return nil
}

type jsonTable struct {
	SchemaVersion string    `json:"schema_version"`
	Base          Side      `json:"base"`
	New           Side      `json:"new"`
	Threshold     float64   `json:"threshold"`
	Correction    string    `json:"correction"`
	Alpha         float64   `json:"alpha"`
	Environment   []string  `json:"environment_differences"`
	NotCompared   []string  `json:"not_compared"`
	Warnings      []string  `json:"warnings"`
	Comparisons   int       `json:"comparisons"`
	Regressions   int       `json:"regressions"`
	Conclusion    string    `json:"conclusion"`
	Rows          []jsonRow `json:"rows"`
}

type jsonRow struct {
	Target        string      `json:"target"`
	Load          float64     `json:"load"`
	LoadUnit      string      `json:"load_unit"`
	Metric        string      `json:"metric"`
	Unit          string      `json:"unit"`
	LowerIsBetter bool        `json:"lower_is_better"`
	Base          *float64    `json:"base"`
	New           *float64    `json:"new"`
	Ratio         *float64    `json:"ratio"`
	RatioCI       *[2]float64 `json:"ratio_ci"`
	P             *float64    `json:"p"`
	PAdjusted     *float64    `json:"p_adjusted"`
	Method        string      `json:"method"`
	NBase         int         `json:"n_base"`
	NNew          int         `json:"n_new"`
	Tested        bool        `json:"tested"`
	Significant   bool        `json:"significant"`
	Verdict       string      `json:"verdict"`
	Regression    bool        `json:"regression"`
	Note          string      `json:"note,omitempty"`
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func interval(ci [2]float64) *[2]float64 {
	if num(ci[0]) == nil || num(ci[1]) == nil {
		return nil
	}
	return &ci
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
