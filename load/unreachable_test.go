package load

import (
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
)

// Steps that measured no working target are invalid with their reason,
// never valid (issue 10, finding 13).
func TestJudgeUnreachable(t *testing.T) {
	base := facts{
		open: true, offered: 100, achieved: 100, requests: 1000, workers: 256, peakWorkers: 2, cpus: 2,
		little: &results.LittlesLaw{Holds: true},
	}
	for _, tc := range []struct {
		name string
		edit func(*facts)
		want string // "" = valid
	}{
		{"all refused", func(f *facts) { f.errors, f.byKind = 1000, map[string]uint64{kindRefused: 1000} }, "no request succeeded (connection_refused: 1000)"},
		{"all 503", func(f *facts) { f.errors, f.byKind = 1000, map[string]uint64{"status_503": 1000} }, "no request succeeded (status_503: 1000)"},
		{"a fifth refused", func(f *facts) { f.errors, f.byKind = 200, map[string]uint64{kindRefused: 200} }, "200 of 1000 connections refused (20%)"},
		{"zero requests", func(f *facts) { f.requests, f.achieved = 0, 0 }, "no request completed"},
		{"a few refused", func(f *facts) { f.errors, f.byKind = 5, map[string]uint64{kindRefused: 5} }, ""},
		{"some 500s", func(f *facts) { f.errors, f.byKind = 300, map[string]uint64{"status_500": 300} }, ""},
	} {
		f := base
		tc.edit(&f)
		valid, warnings := judge(f)
		switch {
		case tc.want == "" && !valid:
			t.Errorf("%s: invalid %v, want valid", tc.name, warnings)
		case tc.want != "" && (valid || !strings.Contains(strings.Join(warnings, "|"), tc.want)):
			t.Errorf("%s: valid %v, warnings %q; want invalid with %q", tc.name, valid, warnings, tc.want)
		}
	}
}

// An interrupt after a phase's planned end says why the phase was still
// running (issue 10, finding 17).
func TestInterruptedTextSaysWhy(t *testing.T) {
	if got := interruptedText(9100*time.Millisecond, 5*time.Second); !strings.Contains(got, "9.1 s into a 5.0 s phase") || !strings.Contains(got, "waiting up to the request timeout") {
		t.Errorf("interruptedText = %q", got)
	}
	if got := interruptedText(time.Second, 5*time.Second); strings.Contains(got, "past") {
		t.Errorf("interruptedText within the phase = %q", got)
	}
}
