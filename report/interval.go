package report

import (
	"slices"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// Every figure a user may decide on is shown with its 95% interval
// (docs/statistics.md): "4.1 ms [3.9–4.4]". A figure the step was too
// short to put an interval on says so: "4.1 ms [n/a]".

// latencyWithCI formats percentile name ("p50", "p90", "p99", "p999") of s.
func latencyWithCI(s *results.Step, name string) string {
	var v float64
	var iv results.Interval
	switch name {
	case "p50":
		v = s.Latency.P50
	case "p90":
		v = s.Latency.P90
	case "p99":
		v = s.Latency.P99
	default:
		v = s.Latency.P999
	}
	if s.LatencyCI != nil {
		iv = map[string]results.Interval{"p50": s.LatencyCI.P50, "p90": s.LatencyCI.P90, "p99": s.LatencyCI.P99, "p999": s.LatencyCI.P999}[name]
	}
	return Millis(v) + ciSuffix(s, name, s.LatencyCI != nil, iv, inUnitOf(v))
}

// inUnitOf formats a bound (ms) in the unit Millis(v) shows v in, without
// the unit: "2.29" beside "2.54 s", "903" beside "903 µs".
func inUnitOf(v float64) func(float64) string {
	switch {
	case v >= 1000:
		return func(x float64) string { return sig(x / 1000) }
	case v > 0 && v < 1:
		return func(x float64) string { return sig(x * 1000) }
	}
	return func(x float64) string { return sig(x) }
}

// capacityWhy is the figure behind a capacity call, without the
// "capacity N:" the tables already show.
func capacityWhy(reason string) string {
	if _, why, ok := strings.Cut(reason, ": "); ok && strings.HasPrefix(reason, "capacity ") {
		return why
	}
	return reason
}

// throughputWithCI formats the step's throughput with its interval.
func throughputWithCI(s *results.Step) string {
	var iv results.Interval
	if s.ThroughputCI != nil {
		iv = *s.ThroughputCI
	}
	return Rate(s.Throughput) + ciSuffix(s, "throughput", s.ThroughputCI != nil, iv, Number)
}

// errorsWithCI formats the step's errors with the error rate's interval.
func errorsWithCI(s *results.Step) string {
	var iv results.Interval
	if s.ErrorRateCI != nil {
		iv = *s.ErrorRateCI
	}
	return errorsText(s) + ciSuffix(s, "error_rate", s.ErrorRateCI != nil, iv, Percent)
}

// cpuPerRequestWithCI formats the target's CPU per request, "" when it
// was not sampled.
func cpuPerRequestWithCI(s *results.Step) string {
	if s.CPUPerRequestMs == 0 {
		return ""
	}
	var iv results.Interval
	if s.CPUPerRequestCI != nil {
		iv = *s.CPUPerRequestCI
	}
	return Millis(s.CPUPerRequestMs) + ciSuffix(s, "cpu_per_request", s.CPUPerRequestCI != nil, iv, inUnitOf(s.CPUPerRequestMs))
}

// ciSuffix is " [lo–hi]", " [n/a]" when the step was too short for the
// interval, or "" for a step stored without intervals (an older run).
func ciSuffix(s *results.Step, name string, has bool, iv results.Interval, f func(float64) string) string {
	switch {
	case slices.Contains(s.CINotEnoughData, name):
		return " [n/a]"
	case !has:
		return ""
	}
	return " [" + f(iv[0]) + "–" + f(iv[1]) + "]"
}
