// Package report renders runs: the terminal summary printed after a run,
// and the files left beside results.json (report.html, summary.md and one
// PNG per chart).
//
// It sits at the end of the flow: scenario → runner → results.json →
// report. Its only input is results.Run, so old runs can be re-rendered by
// newer versions, offline. Every output is deterministic: the same runs
// give the same bytes (no render timestamps, sorted map iteration, fixed
// fonts, stable encoders).
//
// The analysis every output shares — which target wins at each load level
// and by how much, each target's capacity and where it broke, the SLO
// verdict, warnings — is computed once by Analyze (verdict.go); the
// renderers only format it.
package report
