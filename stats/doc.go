// Package stats holds the statistics over stored results: the 95%
// intervals of a step's figures (interval*.go), comparisons of a metric
// between two samples — trials, or estimates with batch-means intervals
// (compare*.go) — and the multiple-comparison corrections applied across a
// table of them (adjust.go).
//
// It sits after the measurements in the flow: runner and report use it for
// the intervals and the verdicts, and compare uses it to decide whether a
// change between a baseline and a new run is significant. Every function is
// pure (no I/O, no clock, no randomness) and never panics on degenerate
// input: comparisons of samples that are too small, all equal, zero or NaN
// give P = 1 and Enough = false with a Method that says why.
package stats
