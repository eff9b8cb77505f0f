package results

// ServiceStep is one service's figures over one step of a microservices
// or monolith target (Step.Services, keyed by service name), read from
// each instance's own accounting (app/service) before and after
// the step. Latencies are in milliseconds.
type ServiceStep struct {
	// Requests is the requests (or, for a queue consumer, jobs) the
	// service handled in the step; Errors those that failed.
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// Expected is how many its callers sent it in the step (the entry:
	// the load's requests). A synchronous service that handled fewer lost
	// requests between services (a warning says so).
	Expected uint64 `json:"expected"`
	// P50 and P99 are the time in the service, callees included.
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	// SelfMsP50 and SelfMsP99 are that time minus the time waiting on
	// callees: the service's own work and queueing.
	SelfMsP50 float64 `json:"self_ms_p50"`
	SelfMsP99 float64 `json:"self_ms_p99"`
	// SelfMsMean and WaitMsMean split the mean time in the service into
	// its own part and the part spent waiting on callees (the stacked bar
	// of where the time goes).
	SelfMsMean float64 `json:"self_ms_mean"`
	WaitMsMean float64 `json:"wait_ms_mean"`
	// CPUCores is the CPU the service's instances used per second of the
	// step (process CPU; for a monolith's modules the CPU of their own
	// work), and CPUMsPerRequest that per request handled.
	CPUCores        float64 `json:"cpu_cores"`
	CPUMsPerRequest float64 `json:"cpu_ms_per_request"`
	// Replicas and CPUBudget (per instance; 0: none) are what it ran with.
	Replicas  int     `json:"replicas"`
	CPUBudget float64 `json:"cpu_budget"`
	// Utilization is CPU used over CPU available (replicas × budget, or ×
	// one CPU without a budget); for a monolith's modules, the monolith's.
	Utilization float64 `json:"utilization"`
	// Saturated is true when Utilization reached SaturatedAt, or a queue
	// consumer's backlog grew through the step.
	Saturated bool `json:"saturated"`
	// Via is "http", "queue" (reached through the Redis queue, or the
	// monolith's in-process queue),
	// "in-process" (a monolith's module) or "external" (the user's own
	// service: only Expected is known).
	Via string `json:"via"`
	// QueueDepth is the consumer's backlog at the end of the step, and
	// QueueWaitMsP99 the 99th percentile of enqueue-to-start.
	QueueDepth     int64   `json:"queue_depth,omitempty"`
	QueueWaitMsP99 float64 `json:"queue_wait_ms_p99,omitempty"`
	// P50CI, P99CI, SelfMsP50CI, SelfMsP99CI, CPUCoresCI,
	// CPUMsPerRequestCI and UtilizationCI are the 95% intervals of those
	// figures, by sectioning over the step's seconds and its trials like
	// a step's own (docs/statistics.md). Figures too short to measure are
	// named in CINotEnoughData and given their observed range instead.
	P50CI             *Interval `json:"p50_ci,omitempty"`
	P99CI             *Interval `json:"p99_ci,omitempty"`
	SelfMsP50CI       *Interval `json:"self_ms_p50_ci,omitempty"`
	SelfMsP99CI       *Interval `json:"self_ms_p99_ci,omitempty"`
	CPUCoresCI        *Interval `json:"cpu_cores_ci,omitempty"`
	CPUMsPerRequestCI *Interval `json:"cpu_ms_per_request_ci,omitempty"`
	UtilizationCI     *Interval `json:"utilization_ci,omitempty"`
	CINotEnoughData   []string  `json:"ci_not_enough_data,omitempty"`
	// Trials is how many trials the figures pool (omitted: one).
	Trials int `json:"trials,omitempty"`
	// Sections are the step's slices for this service (Latency: time in
	// the service) and SelfSections the same slices' self time, in memory
	// only: what the intervals and the pooling of trials are made from.
	Sections     []Section `json:"-"`
	SelfSections []Section `json:"-"`
}

// SaturatedAt is the utilization from which a service counts as
// saturated: a CPU quota lets a little more than this through at most.
const SaturatedAt = 0.85
