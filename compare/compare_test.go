package compare

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

// synthetic builds a one-target run with one step at 100 req/s whose
// figures are scaled by the given factors, each with a ±2% interval.
func synthetic(latency, throughput, cpu, errRate float64) *results.Run {
	ci := func(x float64) *results.Interval { return &results.Interval{x * 0.98, x * 1.02} }
	p50, p90, p99 := 1.0*latency, 2.0*latency, 4.0*latency
	thr := 100 * throughput
	s := results.Step{
		Model: "open", OfferedRate: 100, ElapsedS: 10, Requests: 1000, Valid: true,
		Latency:         results.Latency{P50: p50, P90: p90, P99: p99},
		LatencyCI:       &results.LatencyCI{P50: *ci(p50), P90: *ci(p90), P99: *ci(p99)},
		Throughput:      thr,
		ThroughputCI:    ci(thr),
		ErrorRate:       errRate,
		ErrorRateCI:     &results.Interval{math.Max(0, errRate-0.002), errRate + 0.002},
		Resources:       results.Resources{CPUCoresMean: 0.05 * cpu},
		CPUPerRequestMs: 0.5 * cpu,
		CPUPerRequestCI: ci(0.5 * cpu),
	}
	return &results.Run{Model: "open", Targets: []results.Target{{Name: "single", Topology: "single", Status: "ok", Steps: []results.Step{s}}}}
}

func rowOf(t *testing.T, tb *Table, metric string) Row {
	t.Helper()
	for _, r := range tb.Rows {
		if r.Metric.Name == metric {
			return r
		}
	}
	t.Fatalf("no row for %s", metric)
	return Row{}
}

func TestCompareVerdicts(t *testing.T) {
	tests := []struct {
		name                       string
		latency, thr, cpu, errRate float64
		threshold                  float64
		want                       map[string]string // metric → verdict
	}{
		{"unchanged", 1, 1, 1, 0, 0.05, map[string]string{"p50": Unchanged, "throughput": Unchanged, "error_rate": Unchanged, "cpu_per_request": Unchanged}},
		{"slower", 1.25, 1, 1.25, 0, 0.05, map[string]string{"p50": Worse, "p99": Worse, "cpu_per_request": Worse, "throughput": Unchanged}},
		{"faster", 0.8, 1.1, 0.8, 0, 0.05, map[string]string{"p50": Better, "throughput": Better, "cpu_per_request": Better}},
		// Significant (±2% intervals) but below the 10% threshold: "~".
		{"small change", 1.08, 1, 1, 0, 0.10, map[string]string{"p50": Unchanged}},
		{"small change, low threshold", 1.08, 1, 1, 0, 0.05, map[string]string{"p50": Worse}},
		{"errors appear", 1, 1, 1, 0.05, 0.05, map[string]string{"error_rate": Worse}},
		{"throughput drops", 1, 0.8, 1, 0, 0.05, map[string]string{"throughput": Worse}},
	}
	base := synthetic(1, 1, 1, 0)
	for _, tt := range tests {
		tb, err := Compare(base, synthetic(tt.latency, tt.thr, tt.cpu, tt.errRate), Options{Threshold: tt.threshold})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for m, want := range tt.want {
			if got := rowOf(t, tb, m); got.Verdict != want || got.Regression != (want == Worse) {
				t.Errorf("%s: %s verdict %q regression %v (ratio %v, p %v → %v, %s), want %q", tt.name, m, got.Verdict, got.Regression, got.Ratio, got.P, got.PAdjusted, got.Method, want)
			}
		}
	}
}

// The CPU per request of results without cpu_per_request_ms comes from
// resources.cpu_cores_mean × elapsed_s / requests; with no interval it is
// shown but not judged.
func TestCPUPerRequestFallback(t *testing.T) {
	old := func(cpu float64) *results.Run {
		r := synthetic(1, 1, cpu, 0)
		r.Targets[0].Steps[0].CPUPerRequestMs, r.Targets[0].Steps[0].CPUPerRequestCI = 0, nil
		return r
	}
	tb, err := Compare(old(1), old(1.3), Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	r := rowOf(t, tb, "cpu_per_request")
	if math.Abs(r.Base-0.5) > 1e-12 || math.Abs(r.New-0.65) > 1e-12 {
		t.Errorf("cpu_per_request = %v → %v, want 0.5 → 0.65 ms", r.Base, r.New)
	}
	if r.Tested() || r.Verdict != Unchanged || r.Note != "no interval" {
		t.Errorf("cpu_per_request without interval: tested %v verdict %q note %q, want untested, ~, no interval", r.Tested(), r.Verdict, r.Note)
	}
}

func TestCompareIncomparable(t *testing.T) {
	closed := synthetic(1, 1, 1, 0)
	closed.Model = "closed"
	other := synthetic(1, 1, 1, 0)
	other.Targets[0].Name = "cluster"
	level := synthetic(1, 1, 1, 0)
	level.Targets[0].Steps[0].OfferedRate = 200
	for name, tt := range map[string]struct {
		new  *results.Run
		want string
	}{
		"model":  {closed, "different load model"},
		"target": {other, "no common target"},
		"level":  {level, "no common load level"},
	} {
		_, err := Compare(synthetic(1, 1, 1, 0), tt.new, Options{})
		if !errors.Is(err, ErrIncomparable) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Compare error %v, want ErrIncomparable saying %q", name, err, tt.want)
		}
	}
}

func TestCompareOptions(t *testing.T) {
	if _, err := Compare(synthetic(1, 1, 1, 0), synthetic(1, 1, 1, 0), Options{Correction: "bonferroni"}); err == nil {
		t.Error("Compare with an unknown correction: no error")
	}
	tb, err := Compare(synthetic(1, 1, 1, 0), synthetic(1, 1, 1, 0), Options{})
	if err != nil || tb.Correction != Holm {
		t.Errorf("default correction = %q (%v), want holm", tb.Correction, err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{FormatValue(4.3421, "ms"), "4.34 ms"},
		{FormatValue(2441.2, "ms"), "2441 ms"},
		{FormatValue(0.0012, "ratio"), "0.120%"},
		{FormatValue(math.NaN(), "ms"), "–"},
		{FormatChange(1.251), "+25.1%"},
		{FormatChange(math.Inf(1)), "+∞"},
		{FormatChange(17.2), "×17"},
		{FormatChange(2.7e8), ">×1000"},
		{FormatCI([2]float64{0.9, 1.1}), "[-10.0%, +10.0%]"},
		{FormatCI([2]float64{math.NaN(), 1}), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// JSON then ReadJSON gives back the same table, as rendered.
func TestJSONRoundTrip(t *testing.T) {
	tb, err := Compare(synthetic(1, 1, 1, 0), synthetic(1.25, 1, 1.25, 0.01), Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var buf, again strings.Builder
	if err := Text(&buf, tb); err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := JSON(&js, tb); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	if err := Text(&again, back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(again.String(), buf.String()); diff != "" {
		t.Errorf("Text(ReadJSON(JSON(t))) differs (-got +want):\n%s", diff)
	}
}

// Invalid measurements: latency is not judged from an invalid step or
// trial, CPU per request (the target's own cost) is.
func TestCompareInvalid(t *testing.T) {
	slow := synthetic(1.25, 1, 1.25, 0)
	slow.Targets[0].Steps[0].Valid = false
	tb, err := Compare(synthetic(1, 1, 1, 0), slow, Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, tb, "p50"); r.Tested() || !strings.Contains(r.Note, "invalid step in new (not judged)") {
		t.Errorf("p50 of an invalid step: tested %v, note %q; want untested", r.Tested(), r.Note)
	}
	if r := rowOf(t, tb, "cpu_per_request"); !r.Regression || !strings.Contains(r.Note, "judged") {
		t.Errorf("cpu_per_request of an invalid step: regression %v, note %q; want judged and worse", r.Regression, r.Note)
	}

	withTrials := func(scale float64, invalid int) *results.Run {
		r := synthetic(scale, 1, scale, 0)
		for i, f := range []float64{0.99, 1, 1.01, 1.02} {
			r.Targets[0].Steps[0].Trials = append(r.Targets[0].Steps[0].Trials, results.Trial{
				Trial: i + 1, P50: scale * f, P90: 2 * scale * f, P99: 4 * scale * f, Throughput: 100 * f,
				CPUPerRequestMs: 0.5 * scale * f, Valid: i >= invalid,
			})
		}
		return r
	}
	tb, err = Compare(withTrials(1, 1), withTrials(1.25, 3), Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, tb, "p50"); r.Tested() || r.Note != "too few valid trials (3 vs 1)" {
		t.Errorf("p50 with 1 valid trial in new: tested %v, note %q", r.Tested(), r.Note)
	}
	if r := rowOf(t, tb, "cpu_per_request"); r.N1 != 4 || r.N2 != 4 || !r.Regression {
		t.Errorf("cpu_per_request over trials: n %d vs %d, regression %v; want every trial, worse", r.N1, r.N2, r.Regression)
	}
	tb, err = Compare(withTrials(1, 1), withTrials(1.25, 1), Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, tb, "p50"); r.N1 != 3 || r.Note != "2 invalid trial(s) left out" || !r.Regression {
		t.Errorf("p50 with invalid trials left out: n %d, note %q, regression %v", r.N1, r.Note, r.Regression)
	}
}

// Names from the results render as text in Markdown: no HTML, no code
// spans, no table breaks.
func TestMarkdownEscapes(t *testing.T) {
	base := synthetic(1, 1, 1, 0)
	base.ID, base.Scenario = "id`x", `<script>alert("x")</script>`
	base.Targets[0].Name = "a|b<i>*c*</i>"
	tb, err := Compare(base, base, Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Markdown(&buf, tb); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<i>", "a|b", "`", "*c*"} {
		if strings.Contains(buf.String(), bad) {
			t.Errorf("Markdown contains %q unescaped:\n%s", bad, buf.String())
		}
	}
}
