package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestSummaryGolden(t *testing.T) {
	for _, tc := range []struct {
		fixture, golden string
		opts            Options
	}{
		{"quickstart.json", "summary.txt", Options{}},
		{"quickstart.json", "summary-color.txt", Options{Color: true}},
		{"hostile.json", "summary-hostile.txt", Options{}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Summary(&buf, fixture(t, tc.fixture), tc.opts); err != nil {
				t.Fatal(err)
			}
			if !tc.opts.Color && strings.Contains(buf.String(), "\x1b") {
				t.Errorf("Summary without Color wrote an escape sequence")
			}
			golden(t, tc.golden, buf.Bytes())
		})
	}
}

func TestAnalyze(t *testing.T) {
	v := Analyze(fixture(t, "quickstart.json"))
	type tv struct {
		Name, SLO, Capacity, Broke string
		Invalid                    int
	}
	var got []tv
	for _, t := range v.Targets {
		got = append(got, tv{t.Name, t.SLO, t.CapacityLabel, t.BrokeLabel, t.InvalidSteps})
	}
	want := []tv{
		{"single", "fail", "500 req/s", "1,000 req/s (p99 183 ms > 50 ms)", 0},
		{"cluster", "pass", "2,000 req/s", "", 0},
		{"replicas", "pass", "1,000 req/s", "", 1},
		{"cache", "fail", "none", "", 0},
	}
	if diff := cmpDiff(got, want); diff != "" {
		t.Errorf("Analyze targets: -got +want:\n%s", diff)
	}
	var winners []string
	for _, lv := range v.Levels {
		winners = append(winners, lv.Label+"="+lv.Winner)
	}
	// The fixture's intervals overlap below 2,000 req/s: no clear winner there.
	wantW := []string{"250 req/s=", "500 req/s=", "1,000 req/s=", "2,000 req/s=cluster"}
	if diff := cmpDiff(winners, wantW); diff != "" {
		t.Errorf("Analyze winners: -got +want:\n%s", diff)
	}
	if v.InvalidSteps != 1 {
		t.Errorf("InvalidSteps = %d, want 1", v.InvalidSteps)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Millis(0.42), "420 µs"},
		{Millis(4.1), "4.1 ms"},
		{Millis(812), "812 ms"},
		{Millis(2345), "2.35 s"},
		{Number(1234567.25), "1,234,567.2"},
		{Rate(999.8), "999.8/s"},
		{Percent(0.043), "4.3%"},
		{Ratio(812, 4.1), "198×"},
		{Ratio(5.3, 4.1), "1.3×"},
		{Bytes(54 << 20), "54 MiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
