package results

// This file holds the statistics contract (issue 9): confidence intervals
// on a step's figures, per-trial figures, and the analysis verdicts are
// made from. Every field is documented in docs/results.md.

// Interval is a 95% confidence interval, [lo, hi], in the unit of the
// figure it qualifies. It is written as a two-element JSON array.
type Interval [2]float64

// Lo is the interval's lower bound.
func (i Interval) Lo() float64 { return i[0] }

// Hi is the interval's upper bound.
func (i Interval) Hi() float64 { return i[1] }

// Contains reports whether v lies inside the interval (bounds included).
func (i Interval) Contains(v float64) bool { return v >= i[0] && v <= i[1] }

// LatencyCI holds 95% intervals for a step's latency percentiles, in ms,
// measured from the intended send time like Step.Latency.
type LatencyCI struct {
	P50  Interval `json:"p50"`
	P90  Interval `json:"p90"`
	P99  Interval `json:"p99"`
	P999 Interval `json:"p999"`
}

// Trial is one measurement of a step when the scenario asks for several
// trials (defaults.trials, run --trials). The step's own figures pool
// every trial (merged HDR histograms); these are kept beside them so a
// comparison can use the between-trial spread.
type Trial struct {
	// Trial is the 1-based trial number.
	Trial int `json:"trial"`
	// StartedAt is when this trial's step began (RFC 3339, UTC).
	StartedAt string `json:"started_at,omitempty"`
	// Requests and Errors as in Step.
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// P50, P90 and P99 of latency from the intended send time, in ms.
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	// Throughput is successful responses per second.
	Throughput float64 `json:"throughput"`
	// ErrorRate is Errors / Requests.
	ErrorRate float64 `json:"error_rate"`
	// CPUPerRequestMs is the target's CPU time per completed request, in
	// ms (0: not sampled).
	CPUPerRequestMs float64 `json:"cpu_per_request_ms,omitempty"`
	// Valid is the trial's own validity.
	Valid bool `json:"valid"`
}

// Analysis is what the verdict is made from, recomputed from the stored
// steps by `scalebench report`. A claim is made only where the data
// supports it.
type Analysis struct {
	// Method names the test and the minimum effect used for verdicts.
	Method string `json:"method,omitempty"`
	// MinEffect is the smallest relative difference called a win (0.05 = 5%).
	MinEffect float64 `json:"min_effect"`
	// Levels holds one entry per load level, in order.
	Levels []LevelVerdict `json:"levels"`
	// Targets holds one entry per target: its standing across levels.
	Targets []TargetVerdict `json:"targets,omitempty"`
	// Headline is the one-sentence answer shown first in every output.
	Headline string `json:"headline,omitempty"`
}

// LevelVerdict is the verdict at one load level.
type LevelVerdict struct {
	// Load is the offered rate (open model) or concurrency (closed model).
	Load float64 `json:"load"`
	// Unit is "req/s", "clients", "flows/s" or "connections".
	Unit string `json:"unit,omitempty"`
	// Metric is the figure compared, e.g. "p99".
	Metric string `json:"metric"`
	// Winner is the target that is better than every other by a
	// significant margin of at least MinEffect; null when none is.
	Winner *string `json:"winner"`
	// Tied lists the targets that share the best place: no significant
	// difference of at least MinEffect between them (empty when a winner).
	Tied []string `json:"tied"`
	// Reason is the sentence that explains the verdict, with the figures
	// and intervals it was made from.
	Reason string `json:"reason"`
	// Excluded lists targets left out of the comparison at this level
	// (invalid step, failed SLO, failed target) with why, as "name: why".
	Excluded []string `json:"excluded,omitempty"`
}

// TargetVerdict is one target's standing across every level.
type TargetVerdict struct {
	// Name is the target's name.
	Name string `json:"name"`
	// Wins is the number of levels it won outright; TiedBest those where
	// it shared the best place; Levels how many levels it was compared at.
	Wins     int `json:"wins"`
	TiedBest int `json:"tied_best"`
	Levels   int `json:"levels"`
	// CapacityRate repeats Target.CapacityRate; CapacityReason is the
	// sentence (with the interval) that made the call.
	CapacityRate   float64 `json:"capacity_rate,omitempty"`
	CapacityReason string  `json:"capacity_reason,omitempty"`
}
