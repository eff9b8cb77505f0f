package results

// Fault is what one fault (a scenario's targets[].faults[] entry) did to
// the target and what it cost the users, from the per-second timeline.
type Fault struct {
	// Action is kill, pause, rolling_restart, redis_down or scale.
	Action string `json:"action"`
	// Instance is the instance or worker hit ("1"…"N"), "balancer", or
	// empty for actions on the whole target.
	Instance string `json:"instance,omitempty"`
	// Signal is the signal sent by a kill (KILL or TERM).
	Signal string `json:"signal,omitempty"`
	// To is the instance count a scale asked for.
	To int `json:"to,omitempty"`
	// AtS is when the action started, in seconds since the first measured
	// step started.
	AtS float64 `json:"at_s"`
	// EndS is when the action was over (a kill: at once; a pause or an
	// outage: when it ended; a rolling restart: after the last instance).
	EndS float64 `json:"end_s"`
	// Requests completed from the fault's second to the recovered second.
	Requests uint64 `json:"requests"`
	// Errors is the number of requests that failed in that window: during
	// the fault and until recovery.
	Errors uint64 `json:"errors"`
	// ErrorsByKind counts those errors by kind (as Step.ErrorsByKind).
	ErrorsByKind map[string]uint64 `json:"errors_by_kind,omitempty"`
	// MaxLatencyMs is the highest latency (from the intended send time)
	// completed in that window.
	MaxLatencyMs float64 `json:"max_latency_ms"`
	// BaselineP99Ms and BaselineErrorRate are the pre-fault band: a second
	// is back to normal when its p99 and error rate are within it.
	BaselineP99Ms     float64 `json:"baseline_p99_ms"`
	BaselineErrorRate float64 `json:"baseline_error_rate"`
	// RecoveryS is the time from the fault to the first second, at or after
	// the action's end, whose p99 and error rate are back within the band
	// (0: no second left it); null when the target never recovered within
	// the measured time.
	RecoveryS *float64 `json:"recovery_s"`
	// ReplacedAfterS is, for a killed instance or cluster worker, the time
	// from the kill until its replacement served a request (null: none
	// served within the measured time, or not applicable).
	ReplacedAfterS *float64 `json:"replaced_after_s,omitempty"`
	// Error says why the action could not be carried out (or was skipped).
	Error string `json:"error,omitempty"`
}

// ScaleEvent is one change of a target's instance count: by the
// autoscaler, or by a scale fault.
type ScaleEvent struct {
	// AtS is when the change started, in seconds since the first measured step.
	AtS float64 `json:"at_s"`
	// ReadyS is when the new instances served (scale up) or the removed
	// ones were gone (scale down), in the same clock.
	ReadyS float64 `json:"ready_s"`
	// From and To are the instance counts before and after.
	From int `json:"from"`
	To   int `json:"to"`
	// Utilization is the mean CPU use per instance over the autoscaler's
	// last period, as a fraction of the cpu_budget (0 for a scale fault).
	Utilization float64 `json:"utilization,omitempty"`
	// Reason is "autoscale" or "fault".
	Reason string `json:"reason"`
	// Errors and MaxLatencyMs are the failed requests and the highest
	// latency of the seconds from AtS to ReadyS: what users met until the
	// change took effect.
	Errors       uint64  `json:"errors"`
	MaxLatencyMs float64 `json:"max_latency_ms"`
	// Error says why the change failed.
	Error string `json:"error,omitempty"`
}
