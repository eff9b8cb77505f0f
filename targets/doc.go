// Package targets models what an architecture under test is — a Spec the
// runner hands to a driver — and the Driver contract that drivers
// (targets/process, targets/docker, targets/swarm, targets/kubernetes)
// implement. Catalog lists the built-in topologies; Plan turns a Spec into
// a Layout, the components to run as plain data, which every driver and
// export carries out (docs/architecture.md).
//
// In the flow it sits between the runner, which turns scenario targets into
// Specs, and the drivers, which turn Specs into running Deployments.
package targets
