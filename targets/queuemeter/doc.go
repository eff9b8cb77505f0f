// Package queuemeter is the measurement contract between the reference
// app's queue topology (app/queue: the API that enqueues jobs on
// a Redis stream and the workers that do them) and the orchestrator: the
// Redis key layout both sides use (Keys), a Collector the runner calls
// about once a second for the queue's counters, depth and job latencies,
// and the drain and per-job accounting after the load (Drain,
// AccountIDs). Neither side imports the other; both import this.
package queuemeter
