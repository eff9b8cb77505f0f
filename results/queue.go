package results

// QueueStats is the queue + workers topology during one step, read from
// Redis about once a second.
type QueueStats struct {
	// Accepted, Completed and Refused count jobs during the step (from the
	// queue's counters); Completed includes jobs accepted earlier.
	Accepted  uint64 `json:"accepted"`
	Completed uint64 `json:"completed"`
	Refused   uint64 `json:"refused"`
	// AcceptedByClient and RefusedByClient count the 202 and 503 answers
	// the load generator saw during the step.
	AcceptedByClient uint64 `json:"accepted_by_client"`
	RefusedByClient  uint64 `json:"refused_by_client"`
	// CompletedPerS is worker throughput: jobs completed per second.
	CompletedPerS float64 `json:"completed_per_s"`
	// DepthMax and DepthEnd are the queue depth (accepted, not completed)
	// at its peak and at the end of the step.
	DepthMax int64 `json:"depth_max"`
	DepthEnd int64 `json:"depth_end"`
	// Depth is the queue depth over time, one point per sample.
	Depth []DepthPoint `json:"depth,omitempty"`
	// E2E is end-to-end job latency (accepted → done) of the jobs
	// completed during the step, in ms; QueueWait is accepted → started.
	E2E       Latency `json:"e2e_ms"`
	QueueWait Latency `json:"queue_wait_ms"`
	// ByWorker counts the step's completions per worker process.
	ByWorker map[string]uint64 `json:"by_worker,omitempty"`
	// Histograms are HDR histograms (base64, µs): "e2e", "queue_wait".
	Histograms map[string]string `json:"histograms,omitempty"`
}

// DepthPoint is one sample of a queue's depth.
type DepthPoint struct {
	// T is seconds since the step started.
	T float64 `json:"t"`
	// Depth is jobs accepted and not completed; Running those a worker holds.
	Depth   int64 `json:"depth"`
	Running int64 `json:"running"`
}

// Jobs accounts for every job a queue target accepted, after the load
// stopped and the queue was given time to drain.
type Jobs struct {
	// Accepted is the number of jobs the API accepted (202), from Redis's
	// counter; AcceptedByClient is the number of 202 responses the load
	// generator saw (the two agree unless Redis lost data).
	Accepted         uint64 `json:"accepted"`
	AcceptedByClient uint64 `json:"accepted_by_client"`
	// Completed is the number completed (each job once).
	Completed uint64 `json:"completed"`
	// Missing is Accepted − Completed: jobs never done. Must be 0.
	Missing uint64 `json:"missing"`
	// MissingIDs lists up to 100 missing job ids.
	MissingIDs []string `json:"missing_ids,omitempty"`
	// Duplicates counts jobs done twice (a worker's job taken over).
	Duplicates uint64 `json:"duplicates"`
	// Drained is true when the queue emptied within the drain timeout.
	Drained bool `json:"drained"`
	// DrainS is how long the drain waited, in seconds.
	DrainS float64 `json:"drain_s"`
	// Error says why the accounting is incomplete (e.g. Redis died).
	Error string `json:"error,omitempty"`
}
