// Package faults holds the pure functions behind fault injection and
// autoscaling: what a fault cost the users (errors, latency spike,
// recovery time) from a target's per-second timeline, and the
// autoscaler's rule. It sits after the runner in the flow: it reads
// results.Step timelines and fills results.Fault figures, and never
// touches a driver.
package faults
