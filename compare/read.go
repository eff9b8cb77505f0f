package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// ReadJSON reads a comparison written by JSON (compare.json) back into a
// Table, so a report can show it without the two runs.
func ReadJSON(r io.Reader) (*Table, error) {
	var doc jsonTable
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("read compare json: %w", err)
	}
	if doc.SchemaVersion == "" || doc.SchemaVersion[0] != JSONSchemaVersion[0] {
		return nil, fmt.Errorf("read compare json: schema_version %q (this build reads %s)", doc.SchemaVersion, JSONSchemaVersion)
	}
	t := &Table{
		Base: doc.Base, New: doc.New, Threshold: doc.Threshold, Correction: doc.Correction,
		Environment: doc.Environment, NotCompared: doc.NotCompared, Warnings: doc.Warnings,
	}
	for _, jr := range doc.Rows {
		m := Metric{Name: jr.Metric, Unit: jr.Unit, LowerIsBetter: jr.LowerIsBetter}
		for _, known := range Metrics {
			if known.Name == jr.Metric {
				m = known
			}
		}
		row := Row{
			Target: jr.Target, Load: jr.Load, LoadUnit: jr.LoadUnit, Metric: m,
			PAdjusted: unnum(jr.PAdjusted), Significant: jr.Significant, Verdict: jr.Verdict,
			Regression: jr.Regression, Note: jr.Note,
		}
		row.Base, row.New, row.Ratio, row.P = unnum(jr.Base), unnum(jr.New), unnum(jr.Ratio), unnum(jr.P)
		if jr.Ratio == nil && row.Base == 0 && row.New > 0 {
			row.Ratio = math.Inf(1) // written as null: JSON has no infinity
		}
		row.RatioCI = [2]float64{math.NaN(), math.NaN()}
		if jr.RatioCI != nil {
			row.RatioCI = *jr.RatioCI
		}
		row.Method, row.N1, row.N2, row.Enough = jr.Method, jr.NBase, jr.NNew, jr.Tested
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

func unnum(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
