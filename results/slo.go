package results

// Miss is one figure of a step over its SLO limit.
type Miss struct {
	// Figure names it: "p50" … "p99.9", "errors", "delivery", or
	// "requests" when the step completed none ("connections" when a
	// WebSocket step opened none).
	Figure string
	// Got is the measured value and Limit the objective's, in
	// milliseconds for latencies and as fractions for rates.
	Got, Limit float64
	// Latency is true for a latency figure (milliseconds).
	Latency bool
}

// Misses says why step s misses the objective, one Miss per figure in the
// order p50, p90, p95, p99, p99.9, errors, delivery; none when it meets
// it. A step that completed no request, or a WebSocket step that opened no
// connection, misses it: nothing measured is no success. This is the one place the SLO rule
// lives; the runner's verdicts and the reports all use it.
func (o *SLO) Misses(s *Step) []Miss {
	if w := s.WebSocket; w != nil && w.ConnectionsOpenMax == 0 {
		return []Miss{{Figure: "connections"}}
	}
	if s.Requests == 0 && s.WebSocket == nil {
		return []Miss{{Figure: "requests"}}
	}
	var out []Miss
	for _, l := range []struct {
		name       string
		limit, got float64
	}{
		{"p50", o.P50Ms, s.Latency.P50}, {"p90", o.P90Ms, s.Latency.P90}, {"p95", o.P95Ms, s.Latency.P95},
		{"p99", o.P99Ms, s.Latency.P99}, {"p99.9", o.P999Ms, s.Latency.P999},
	} {
		if l.limit > 0 && l.got > l.limit {
			out = append(out, Miss{Figure: l.name, Got: l.got, Limit: l.limit, Latency: true})
		}
	}
	if s.ErrorRate > o.ErrorRate {
		out = append(out, Miss{Figure: "errors", Got: s.ErrorRate, Limit: o.ErrorRate})
	}
	if w := s.WebSocket; w != nil && o.DeliveryRatio > 0 && w.DeliveryRatio < o.DeliveryRatio {
		out = append(out, Miss{Figure: "delivery", Got: w.DeliveryRatio, Limit: o.DeliveryRatio})
	}
	return out
}

// Meets reports whether step s meets the objective.
func (o *SLO) Meets(s *Step) bool { return len(o.Misses(s)) == 0 }

// Load is the load a step was measured at, in its model's unit: the
// offered rate (open model, req/s or flows/s), the number of clients
// (closed model) or of held connections (WebSocket). Verdicts, capacity
// and comparisons all order steps by it.
func (s *Step) Load() float64 {
	switch {
	case s.WebSocket != nil:
		return float64(s.WebSocket.ConnectionsTarget)
	case s.Model == "closed":
		return float64(s.Concurrency)
	}
	return s.OfferedRate
}
