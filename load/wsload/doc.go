// Package wsload is scalebench's WebSocket load generator: it opens many
// WebSocket connections at a connect rate, spreads them over rooms, makes
// every client send messages on an open-model schedule, and accounts for
// every delivery the server fans out.
//
// In the flow it sits beside the HTTP generator (package load): the runner
// calls New(cfg).Run(ctx) for a target with a `websocket:` load section and
// stores each StepResult as a results.Step whose WebSocket field carries the
// measurements (StepResult.ResultsStep).
//
// Wire format: every message is binary, MessageSize bytes, starting with a
// HeaderSize-byte header (see header.go) followed by zero padding. A server
// under test must broadcast the bytes unchanged; it may not look inside.
//
// Accounting. A message sent by client S in room R is expected at every
// other client of R whose connection was open — as the generator saw it,
// i.e. after its upgrade response arrived — when the message was sent (and
// at S itself when Config.IncludeSender). Open, close and send are ordered
// by a per-room lock and a per-room epoch carried in the message, so the
// expectation is exact, not a time-window guess. Every received message is
// exactly one of: delivered (first copy at an expected receiver),
// duplicate (a copy already received), unexpected (at a receiver that was
// not expected, or not a scalebench message); missing = expected −
// delivered. A receiver that drops while messages are in flight makes them
// missing: that is what a killed replica does to its clients.
//
// Resources: one goroutine per connection (the reader; coder/websocket
// needs one), a few shared sender goroutines walking the per-client
// schedules, one sampler; HDR histograms are per step and sharded, never per
// connection or per message.
package wsload
