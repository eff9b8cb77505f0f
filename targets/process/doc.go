// Package process is the default target driver: it runs each target as
// local processes (the reference app, a user's command, nginx or the
// built-in Go balancer), waits for readiness, pins them to the CPUs not
// used by the load generator, gives each instance a CPU budget through
// cgroups (v1 or v2) where permitted, samples their CPU and memory from
// /proc, and tears everything down by process group on every path.
//
// In the flow it sits under the runner: runner → process.New → Up →
// (load, Sample, Err) → Down → Close. See docs/topologies.md.
package process
