// Package flow drives request flows: a flow is an ordered list of HTTP
// requests (steps) in which values captured from one response (a cookie,
// a header, a JSON field, a regular-expression match) are used by later
// requests as ${name}. Logging in and then calling an authenticated
// endpoint with the session is the typical flow.
//
// In the scalebench pipeline it sits beside the single-request generator
// (package load): the runner calls Run for a step whose scenario has
// flows, and stores Result per step.
//
// Timing (open model, coordinated-omission corrected): flows start at a
// constant Rate; flow k is intended to start at start + k/Rate. The first
// step's latency is measured from that intended time, so a generator or
// target that falls behind shows up as latency, not as missing samples.
// Each later step's intended time is the end of the previous response
// plus the step's think time; its latency is measured from there. Service
// time (from the actual send) is kept beside it. MaxConcurrent caps the
// flows in progress: when the cap is reached the scheduler waits for a
// free slot, the waiting shows in the next flows' first-step latency,
// and flows whose slot never came before the end of Duration are counted
// as Unsent.
//
// Every flow instance has its own cookie jar, so cookies set by one step
// are sent by the next ones automatically, like a browser's; redirects
// are not followed (each step is exactly one request). A step fails on a
// transport error, on a status it did not expect (expect.status, or any
// status ≥ 400 when none is given), or when a capture finds nothing; the
// rest of that flow is then skipped and counted as such.
//
// Memory is bounded: HDR histograms per step, no per-request records;
// goroutines: one per flow in progress, all ended before Run returns.
package flow
