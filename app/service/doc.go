// Package service is the reference app's microservice mode (`serve --mode
// service`): one instance of one service of a call graph (topology
// microservices), or every service of the graph in one process (topology
// monolith). A request does the service's CPU work, waits its simulated
// database call, then calls each callee in turn: over keep-alive HTTP, or
// through a Redis Stream for a callee consumed `via: queue`. Every request
// carries a W3C traceparent header, passed on to each callee (and in each
// queued message) so a user's own service can join the trace.
//
// Each instance keeps its own figures per service — requests, errors,
// latency, self time (latency minus time waiting on callees), CPU, calls
// made to each callee, queue wait and depth — and serves them, cumulative,
// on GET /_scalebench/services (StatsPath). The runner reads them before
// and after each step from every instance and subtracts (runner/services.go).
package service
