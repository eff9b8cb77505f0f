// Package queue is the reference app's queue + workers topology: POST /jobs
// accepts a job into a Redis Stream and answers 202 at once; worker
// processes (`scalebench worker`, running Work) take jobs through a
// consumer group and do the heavy work, CPU or I/O. In "sync" mode POST
// /jobs does the same work inside the request and answers 200, the
// baseline the queue is compared with.
//
// Redis layout (prefix P, "sb:jobs" by default; queuemeter.Keys):
//
//	P               stream of jobs accepted and not yet completed
//	                (completed jobs are acknowledged and deleted, so
//	                XLEN P is the queue depth: waiting + in progress)
//	P:done          stream of completions: id, accepted_us, started_us,
//	                done_us, consumer, error (times in µs since the epoch)
//	P:done:ids      set of completed job ids, for exact accounting
//	P:accepted, P:completed, P:duplicates, P:refused   counters
//
// Nothing accepted is dropped: the queue is bounded by refusing new jobs
// with 503 when the depth reaches Options.MaxDepth (never XADD MAXLEN).
// Acceptance (check depth, XADD, count) and completion (XACK, XDEL,
// record, count) are each one Lua script, so counters and streams agree.
// A job whose worker died stays pending in the group and is taken over by
// another worker with XAUTOCLAIM after WorkerOptions.ClaimIdle; if both
// finish, the second completion is counted as a duplicate, not twice.
//
// The key layout and what the runner reads of it (a Collector about once
// a second, Drain and AccountIDs after the load) are in
// targets/queuemeter, which this package and the runner both import.
package queue
