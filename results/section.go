package results

import hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

// Section is one time slice of a step (one or more consecutive seconds of
// one trial), kept in memory while a run is measured so the step's 95%
// intervals can be computed by sectioning (see docs/statistics.md). It is
// not written to results.json.
type Section struct {
	// Trial is the 1-based trial the slice belongs to (0: the only one).
	Trial int
	// StartS and Seconds place the slice within its step.
	StartS, Seconds float64
	// Requests completed in the slice, how many failed and succeeded.
	Requests, Errors, Successes uint64
	// CPUSeconds is the target's CPU time during the slice; CPUKnown is
	// false when it was not sampled.
	CPUSeconds float64
	CPUKnown   bool
	// Latency holds the slice's latencies from the intended send time, in
	// µs (nil when the generator keeps none per slice).
	Latency *hdrhistogram.Histogram
}
