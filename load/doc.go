// Package load drives HTTP load at one target and measures it: it sits
// between the runner (which plans phases) and results (which stores steps).
//
// A Generator runs one Phase at a time on a fresh client of its engine
// (engine.go): fasthttp's HostClient with workers of its own (fast.go,
// fast_worker.go; the default for http:// targets) or a vegeta.Attacker on
// net/http (attacker.go). A phase is a constant arrival rate, a linear ramp
// cut into windows (open model), or a fixed number of clients (closed
// model); both engines share its pacing, recording and judging. Workers and
// connections are capped.
// Latency is measured from each request's intended send time, taken from the
// same schedule that paces the attack, so a stalled target cannot hide the
// requests it kept from being sent (coordinated omission); service time
// (from the actual send) and schedule lag are kept beside it. Each step gets
// HDR histograms and a per-second timeline whose memory does not grow with
// the step's length, the target's CPU and memory sampled during it, the
// generator's own CPU, a Little's law check, and validity warnings. See
// docs/load.md for the method.
package load
