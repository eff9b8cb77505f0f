// Package compare compares two stored runs (a baseline and a new run) and
// decides, metric by metric, whether the change is significant.
//
// It sits after results.json in the flow, beside report:
//
//	results.json (base) ┐
//	                    ├─ Compare ─▶ Table ─▶ Text / Markdown / JUnit / JSON
//	results.json (new)  ┘
//
// Compare matches targets by name and steps by load level (offered rate or
// concurrency), and for each metric (p50, p90, p99, throughput, error rate,
// target CPU per request) runs the test that fits the data it has
// (package stats: Mann-Whitney U or Welch over trials, a z-test over
// batch-means intervals), then corrects the p-values across the whole table
// (Holm by default, or Benjamini-Hochberg). A change is a regression when it
// is significant, in the worse direction, and at least the threshold.
// Everything here is a pure function of the two runs; the renderers write
// to an io.Writer and nothing else.
package compare
