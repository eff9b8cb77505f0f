package results

// FlowStats is one flow of a flows step (scenario flows:).
type FlowStats struct {
	// Name is the flow's name from the scenario.
	Name string `json:"name"`
	// Scheduled, Started and Unsent count flow instances; Unsent ones never
	// got a slot before the step ended.
	Scheduled uint64 `json:"scheduled"`
	Started   uint64 `json:"started"`
	Unsent    uint64 `json:"unsent"`
	// Completed flows ran every step successfully; Failed stopped at a
	// failed step.
	Completed uint64 `json:"completed"`
	Failed    uint64 `json:"failed"`
	// Duration is the whole flow, from its intended start to its last
	// response, in ms.
	Duration Latency `json:"duration_ms"`
	// Steps are the flow's requests, in order.
	Steps []FlowStepStats `json:"steps"`
}

// FlowStepStats is one request of a flow within a step.
type FlowStepStats struct {
	// Name is the flow step's name.
	Name string `json:"name"`
	// Requests sent and Errors among them (transport error, unexpected
	// status, or a capture that found nothing).
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// ErrorRate is Errors / Requests (the headline of the sessions suite
	// for GET /me).
	ErrorRate float64 `json:"error_rate"`
	// ErrorsByKind splits the errors: "status_401", "timeout",
	// "capture_failed", …
	ErrorsByKind map[string]uint64 `json:"errors_by_kind,omitempty"`
	// Skipped counts requests not sent because an earlier step failed.
	Skipped uint64 `json:"skipped"`
	// Latency is from the intended send time; ServiceTime from the actual send.
	Latency     Latency `json:"latency_ms"`
	ServiceTime Latency `json:"service_time_ms"`
	// Instances counts responses per serving instance.
	Instances map[string]uint64 `json:"instances,omitempty"`
	// Histograms are HDR histograms (base64, µs): "latency", "service_time".
	Histograms map[string]string `json:"histograms,omitempty"`
}
