// Package stats holds the statistics over stored results: comparisons of a
// metric between two samples (trials or batch-means estimates) and the
// multiple-comparison corrections applied across a table of them.
//
// It sits after results.json in the flow: runner and report use it for
// verdicts, and compare uses it to decide whether a change between a
// baseline and a new run is significant. Every function is pure (no I/O,
// no clock, no randomness) and never panics on degenerate input: samples
// that are too small, all-equal, zero or NaN give P = 1 and Enough = false
// with a Method that says why.
package stats
