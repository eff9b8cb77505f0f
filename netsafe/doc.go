// Package netsafe holds the one rule for where load may go without the
// scenario saying allow_remote: a loopback host. The scenario validator
// (scenarios) and the load generators (load, load/flow, load/wsload) all
// ask it, so that `validate` and `run` never disagree about a host.
package netsafe
