// Package app is the reference application that scalebench loads: a small
// HTTP service standing in for one Node.js process, served by the hidden
// `scalebench serve` command.
//
// In the flow it sits behind the drivers (targets/process, targets/docker):
// they start it as a single instance, as a cluster (a primary passing one
// listening socket to N worker processes, see RunCluster) or as replicas
// behind a balancer (nginx, or the built-in Go proxy, see Balance).
//
// Endpoints:
//
//	/                 which instance served it: {"instance","pid","worker"}
//	/work?cpu=DUR     real CPU work for DUR of this thread's CPU time
//	/io?delay=DUR     waits DUR without holding a CPU (an I/O-bound endpoint)
//	/healthz          200 "ok"
//
// Modes add endpoints backed by Redis (app/cache, queue,
// sessions) or by PostgreSQL (app/db: --mode db, or cached /
// nocache with --pg-primary).
//
// Every response carries the X-Scalebench-Instance header so the load
// generator can count responses per instance.
package app
