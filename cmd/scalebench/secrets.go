package main

import (
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/secrets"
)

// scrubRun returns the run's secret scrubber for runner.Options.Scrub:
// every secret the scenario holds is replaced in every string of the run,
// and URLs (a target's endpoint) lose their password and token-like query
// values whatever they are.
func scrubRun(red *secrets.Redactor) func(*results.Run) {
	return func(run *results.Run) {
		red.Scrub(run)
		for i := range run.Targets {
			d := &run.Targets[i].Deployment
			d.Endpoint = secrets.URL(d.Endpoint)
		}
	}
}
