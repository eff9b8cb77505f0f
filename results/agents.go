package results

// AgentStep is one generator agent's share of a step that several agents
// sent together (run --generators N); the step's own figures merge them
// exactly (see docs/distributed.md).
type AgentStep struct {
	// Index is the agent's shard: it sent global arrivals index, index+N, ….
	Index int `json:"index"`
	// Requests is how many requests this agent sent.
	Requests uint64 `json:"requests"`
	// Errors is how many of them failed.
	Errors uint64 `json:"errors"`
	// OfferedRate is this agent's share of the offered rate, req/s.
	OfferedRate float64 `json:"offered_rate"`
	// AchievedRate is what this agent sent per second of its sending window.
	AchievedRate float64 `json:"achieved_rate"`
	// CPUCores is the agent process's own CPU use, in cores.
	CPUCores float64 `json:"cpu_cores"`
	// ScheduleLagP99Ms is the p99 of this agent's lateness against its
	// intended send times.
	ScheduleLagP99Ms float64 `json:"schedule_lag_p99_ms"`
	// ClockOffsetMs is the agent's clock minus the coordinator's, measured
	// before the step (NTP-style), and ClockRoundTripMs that exchange's
	// round trip: the offset is known within ± half of it.
	ClockOffsetMs    float64 `json:"clock_offset_ms"`
	ClockRoundTripMs float64 `json:"clock_round_trip_ms"`
	// Valid is false when this agent's share cannot be trusted (it fell
	// behind, its CPU saturated, it was lost); the step is then invalid.
	Valid bool `json:"valid"`
	// Warnings say why, with the numbers.
	Warnings []string `json:"warnings,omitempty"`
}
