package wsload

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// Keys of results.WebSocketStats.Histograms.
const (
	HistConnectLatency = "connect_latency"
	HistFanoutLatency  = "fanout_latency"
)

// Result is the outcome of one Run.
type Result struct {
	// Steps holds one entry per Level, in order.
	Steps []StepResult
	// GraceS is how long the generator waited for in-flight deliveries
	// after the last send, in seconds.
	GraceS float64
}

// StepResult is one Level's measurements.
type StepResult struct {
	Index     int
	StartedAt time.Time
	// DurationS is the planned duration (opening its connections + hold).
	DurationS float64
	// WebSocket is the measurement, ready for results.Step.WebSocket.
	WebSocket results.WebSocketStats
	// Warnings are findings about the step (data, not errors).
	Warnings []string
	// Connect and Fanout are the step's HDR histograms (µs).
	Connect, Fanout *hdrhistogram.Histogram
	// Sections are the step's seconds (messages sent and received, fan-out
	// latencies), which its intervals are made from (stats.Figures).
	Sections []results.Section
}

// ResultsStep maps the step to a results.Step: Requests are messages sent,
// Errors are send errors plus connect failures, Latency is the fan-out
// latency, OfferedRate the scheduled messages per second at the level's
// connection count.
func (s StepResult) ResultsStep(messageRate float64) results.Step {
	ws := s.WebSocket
	return results.Step{
		Index:       s.Index,
		Model:       "open",
		OfferedRate: messageRate * float64(ws.ConnectionsTarget),
		StartedAt:   s.StartedAt,
		DurationS:   s.DurationS,
		ElapsedS:    s.DurationS,
		Requests:    ws.MessagesSent,
		Errors:      ws.SendErrors + ws.ConnectFailures,
		Latency:     ws.FanoutLatency,
		Histograms:  maps.Clone(ws.Histograms),
		Valid:       len(s.Warnings) == 0,
		Warnings:    s.Warnings,
		WebSocket:   &ws,
		Sections:    s.Sections,
	}
}

func (r *run) result(grace time.Duration) *Result {
	res := &Result{GraceS: grace.Seconds()}
	for k, s := range r.steps {
		res.Steps = append(res.Steps, r.stepResult(k, s))
	}
	return res
}

func (r *run) stepResult(k int, s *step) StepResult {
	dur := float64(r.bounds[k+1]-r.bounds[k]) / 1e9
	fan := newHistogram()
	var fanSum results.Exact
	ws := results.WebSocketStats{
		Rooms:              r.cfg.Rooms,
		IncludeSender:      r.cfg.IncludeSender,
		MessageRate:        r.cfg.MessageRate,
		MessageSize:        r.cfg.MessageSize,
		ConnectionsTarget:  s.target,
		ConnectionsOpenMax: int(s.openMax.Load()),
		ConnectionsOpenEnd: s.openEnd,
		ConnectAttempts:    s.connectAttempts.Load(),
		MessagesSent:       s.sent.Load(),
		SendErrors:         s.sendErrors.Load(),
		MessagesUnsent:     s.unsent.Load(),
		DeliveriesExpected: s.expected.Load(),
		ReconnectAttempts:  s.reconnectAttempts.Load(),
		Reconnects:         s.reconnects.Load(),
		ReconnectFailures:  s.reconnectFailures.Load(),
	}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		ws.Received += sh.received
		ws.Delivered += sh.delivered
		ws.Duplicates += sh.duplicates
		ws.Unexpected += sh.unexpected
		ws.OutOfOrder += sh.order
		fan.Merge(sh.hist)
		fanSum.Merge(sh.sum)
		sh.mu.Unlock()
	}
	var warnings []string
	if ws.Delivered <= ws.DeliveriesExpected {
		ws.Missing = ws.DeliveriesExpected - ws.Delivered
	} else {
		warnings = append(warnings, fmt.Sprintf("delivered %d > expected %d: the server delivered messages the accounting did not expect", ws.Delivered, ws.DeliveriesExpected))
	}
	ws.DeliveryRatio = 1
	if ws.DeliveriesExpected > 0 {
		ws.DeliveryRatio = float64(ws.Delivered) / float64(ws.DeliveriesExpected)
	}
	if dur > 0 {
		ws.DeliveriesPerS = float64(ws.Delivered) / dur
	}
	ws.FanoutLatency = results.LatencyOf(fan, &fanSum)

	s.mu.Lock()
	for _, n := range s.connectKinds {
		ws.ConnectFailures += n
	}
	ws.ConnectFailuresByKind = nonEmpty(s.connectKinds)
	for _, n := range s.disconnectKind {
		ws.Disconnects += n
	}
	ws.DisconnectsByKind = nonEmpty(s.disconnectKind)
	ws.ConnectLatency = results.LatencyOf(s.connectHist, &s.connectSum)
	ws.Timeline = s.timeline
	if s.timelineCut {
		warnings = append(warnings, fmt.Sprintf("timeline cut at %d points", maxPoints))
	}
	conn := s.connectHist
	slices := s.slices.List()
	s.mu.Unlock()
	warnings = append(warnings, unreachable(&ws)...)

	ws.Histograms = map[string]string{}
	for name, h := range map[string]*hdrhistogram.Histogram{HistConnectLatency: conn, HistFanoutLatency: fan} {
		if b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
			ws.Histograms[name] = string(b)
		}
	}
	return StepResult{Index: k, StartedAt: s.startedAt, DurationS: dur, WebSocket: ws,
		Warnings: warnings, Connect: conn, Fanout: fan, Sections: slices}
}

func nonEmpty(m map[string]uint64) map[string]uint64 {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// connectFailLimit: a step in which this share of connection attempts
// failed measured a server that was not (fully) there.
const connectFailLimit = 0.10

// unreachable returns the warnings (each makes the step invalid) of a step
// whose connections did not open: a server that closes every handshake
// delivered nothing, and "delivery 100%" of nothing expected is no success,
// so its delivery ratio becomes 0.
func unreachable(ws *results.WebSocketStats) []string {
	switch {
	case ws.ConnectionsOpenMax == 0 && ws.ConnectionsTarget > 0:
		ws.DeliveryRatio = 0
		return []string{fmt.Sprintf("no connection opened (%d of %d attempts failed%s): nothing of the server was measured",
			ws.ConnectFailures, ws.ConnectAttempts, kindsSuffix(ws.ConnectFailuresByKind))}
	case ws.ConnectAttempts > 0 && float64(ws.ConnectFailures) >= connectFailLimit*float64(ws.ConnectAttempts):
		return []string{fmt.Sprintf("%d of %d connection attempts failed (%.0f%%%s): the server was not reachable for much of the step",
			ws.ConnectFailures, ws.ConnectAttempts, 100*float64(ws.ConnectFailures)/float64(ws.ConnectAttempts), kindsSuffix(ws.ConnectFailuresByKind))}
	}
	return nil
}

// kindsSuffix lists failure kinds: "; handshake_rejected: 20".
func kindsSuffix(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "; %s: %d", k, m[k])
	}
	return b.String()
}
