package load

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

func TestJudge(t *testing.T) {
	good := facts{
		open: true, offered: 1000, achieved: 1000, requests: 10000, workers: 256,
		peakWorkers: 12, lagP99Ms: 0.3, genCores: 0.4, cpus: 2,
		little: &results.LittlesLaw{MeasuredConcurrency: 2, PredictedConcurrency: 2.1, Holds: true},
	}
	tests := []struct {
		name  string
		edit  func(*facts)
		valid bool
		want  []string // substrings, one per warning, in order
	}{
		{"good", func(*facts) {}, true, nil},
		{"worker cap", func(f *facts) {
			f.achieved, f.unsent, f.peakWorkers, f.atCapShare = 800, 2000, 256, 0.7
		}, true, []string{"target saturated: all 256 workers were waiting on responses (70% of samples); achieved 800.0 of offered 1000.0 req/s, 2000 hits unsent; latency from intended send time includes the wait (a lower bound: unsent hits are not in it). If the target was not overloaded, raise load.max_workers"}},
		{"lag at cap", func(f *facts) { f.lagP99Ms, f.peakWorkers, f.atCapShare = 900, 256, 0.3 },
			true, []string{"target saturated: all 256 workers were waiting on responses (30% of samples), schedule lag p99 900.0 ms; latency from intended send time includes the wait"}},
		{"lag with free workers, small share of the tail, warns only", func(f *facts) { f.lagP99Ms, f.latP99Ms = 25, 400 },
			true, []string{"schedule lag p99 25.0 ms although workers were free"}},
		{"lag with free workers, large share of the tail", func(f *facts) { f.lagP99Ms, f.latP99Ms = 12.8, 15 },
			false, []string{"generator sent late: schedule lag p99 12.8 ms with workers free is 85% of the latency p99 (15.0 ms)"}},
		{"cpu", func(f *facts) { f.achieved, f.genCores = 900, 1.9 }, false, []string{"its CPU was saturated (1.90 of 2 cores)"}},
		{"cpu without shortfall", func(f *facts) { f.genCores = 1.85 }, false, []string{"generator CPU saturated: 1.85 of 2 cores"}},
		{"slow generator", func(f *facts) { f.achieved, f.lagP99Ms = 950, 40 }, false, []string{"achieved 950.0 of offered 1000.0 req/s, 0 hits unsent, schedule lag p99 40.0 ms, with at most 12 of 256 workers busy"}},
		{"little", func(f *facts) {
			f.little = &results.LittlesLaw{MeasuredConcurrency: 9, PredictedConcurrency: 2, Holds: false}
		}, false, []string{"little's law does not hold: measured concurrency 9.00 vs predicted 2.00"}},
		{"errors and few requests", func(f *facts) {
			f.requests, f.errors, f.byKind = 50, 10, map[string]uint64{"status_503": 6, "timeout": 4}
		}, true, []string{"error rate 20.0% (status_503: 6, timeout: 4)", "only 50 requests"}},
		{"interrupted", func(f *facts) { f.interrupted, f.achieved = "stopped 1.0 s into a 5.0 s phase", 200 },
			false, []string{"interrupted: stopped 1.0 s into a 5.0 s phase"}},
		{"closed model has no shortfall", func(f *facts) { f.open, f.offered, f.achieved = false, 0, 5000 }, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good
			tt.edit(&f)
			valid, warnings := judge(f)
			if valid != tt.valid || len(warnings) != len(tt.want) {
				t.Fatalf("judge() = %v, %q, want %v and %d warnings", valid, warnings, tt.valid, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warnings[%d] = %q, want it to contain %q", i, warnings[i], w)
				}
			}
		})
	}
}

func TestLittlesLaw(t *testing.T) {
	tests := []struct {
		measured, rate, service float64
		samples                 int
		want                    *results.LittlesLaw
	}{
		{10, 1000, 0.010, 100, &results.LittlesLaw{MeasuredConcurrency: 10, PredictedConcurrency: 10, Holds: true}},
		{11.9, 1000, 0.010, 100, &results.LittlesLaw{MeasuredConcurrency: 11.9, PredictedConcurrency: 10, Holds: true}},
		{12.5, 1000, 0.010, 100, &results.LittlesLaw{MeasuredConcurrency: 12.5, PredictedConcurrency: 10, Holds: false}},
		{0.9, 100, 0.001, 100, &results.LittlesLaw{MeasuredConcurrency: 0.9, PredictedConcurrency: 0.1, Holds: true}},
		{1, 100, 0.001, 0, nil},
	}
	for _, tt := range tests {
		got := littlesLaw(tt.measured, tt.rate, tt.service, tt.samples)
		if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
			t.Errorf("littlesLaw(%v, %v, %v, %d) = %+v, want %+v", tt.measured, tt.rate, tt.service, tt.samples, got, tt.want)
		}
	}
}
