package simdb

import "github.com/scalebench/scalebench/targets/latency"

// Latency is a query latency distribution (package latency, shared with
// the scenario parser).
type Latency = latency.Spec

// ParseLatency parses "fixed:D", "uniform:MIN,MAX" or "lognormal:MEDIAN,P99".
func ParseLatency(s string) (Latency, error) { return latency.Parse(s) }
