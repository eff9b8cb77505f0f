package wsload

import (
	"fmt"
	"maps"
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
	s.mu.Unlock()

	ws.Histograms = map[string]string{}
	for name, h := range map[string]*hdrhistogram.Histogram{HistConnectLatency: conn, HistFanoutLatency: fan} {
		if b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
			ws.Histograms[name] = string(b)
		}
	}
	return StepResult{Index: k, StartedAt: s.startedAt, DurationS: dur, WebSocket: ws,
		Warnings: warnings, Connect: conn, Fanout: fan}
}

func nonEmpty(m map[string]uint64) map[string]uint64 {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
