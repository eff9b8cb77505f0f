// Package analysis turns a stored run into its verdict: who wins each
// load level, who ties, who is left out and why, each target's standing
// and capacity, and the headline. It sits after results and before
// report in the flow (results.json → analysis → every output), and is a
// pure function of a results.Run, so `scalebench report` recomputes it
// for any stored run.
//
// A target wins a level only when its p99 is lower than every other
// qualifying target's by a statistically significant margin (stats
// comparisons, Holm-corrected within the level) of at least the minimum
// effect; otherwise the best targets are reported as tied. Invalid steps,
// steps that failed the SLO, steps with no completed request and failed
// targets never win. See docs/statistics.md.
package analysis
