// Package runner orchestrates a run: for each target of a scenario it asks a
// driver to bring the target up, warms it up, drives the load steps through
// the load package, judges each step against the SLO, tears the target down
// on every path and writes results.json before moving to the next target.
//
// It blocks until done and honours its context everywhere: when the context
// ends (Ctrl-C), the current step stops, the target is torn down with a
// fresh short context, and what was measured is kept with status
// "interrupted". It does no measuring, starting or rendering of its own.
package runner
