// Package targets models what an architecture under test is — a Spec the
// runner hands to a driver — and the Driver contract that drivers
// (targets/process, targets/docker) implement. Catalog lists the built-in
// topologies.
//
// In the flow it sits between the runner, which turns scenario targets into
// Specs, and the drivers, which turn Specs into running Deployments.
package targets
