package report

import (
	"fmt"

	"github.com/scalebench/scalebench/results"
)

// modelWebSocket labels WebSocket steps, whose load is a number of held
// connections rather than an arrival rate.
const (
	modelWebSocket = "websocket"
	// modelFlows labels flows steps, whose load is flows started per second.
	modelFlows = "flows"
)

// modelOfStep is the step's model, or modelWebSocket for a WebSocket step.
func modelOfStep(s *results.Step) string {
	switch {
	case s.WebSocket != nil:
		return modelWebSocket
	case len(s.Flows) > 0:
		return modelFlows
	}
	return s.Model
}

// hasWebSocket reports whether any step of the run is a WebSocket step.
func hasWebSocket(run *results.Run) bool {
	for _, t := range run.Targets {
		for _, s := range t.Steps {
			if s.WebSocket != nil {
				return true
			}
		}
	}
	return false
}

// wsHeader and wsRow are the WebSocket table shared by the terminal and
// Markdown: the fate of every expected delivery, fan-out latency, and what
// happened to the connections.
var wsHeader = []string{"connections", "target", "open", "sent", "expected", "delivered", "missing", "dup", "delivery", "fan-out p50", "fan-out p99", "disconnects", "reconnect fail"}

// The fan-out percentiles are the step's latency (a WebSocket step's
// Latency is its fan-out latency) with their intervals.
func wsRow(label, target string, s *results.Step) []string {
	w := s.WebSocket
	return []string{
		label, target,
		fmt.Sprintf("%d/%d", w.ConnectionsOpenMax, w.ConnectionsTarget),
		Number(float64(w.MessagesSent)), Number(float64(w.DeliveriesExpected)), Number(float64(w.Delivered)),
		Number(float64(w.Missing)), Number(float64(w.Duplicates)), Percent(w.DeliveryRatio),
		latencyWithCI(s, "p50"), latencyWithCI(s, "p99"),
		Number(float64(w.Disconnects)), Number(float64(w.ReconnectFailures)),
	}
}

// wsRows lists the WebSocket rows of run, level by level.
func wsRows(run *results.Run) [][]string {
	var out [][]string
	for _, lv := range Analyze(run).Levels {
		for ti := range run.Targets {
			t := &run.Targets[ti]
			if s := stepAt(t, lv.Index); s != nil && s.WebSocket != nil {
				out = append(out, wsRow(lv.Label, oneLine(t.Name), s))
			}
		}
	}
	return out
}
