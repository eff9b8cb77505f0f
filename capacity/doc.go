// Package capacity holds the capacity-planning analysis: the capacity
// search (a pure state machine over probe outcomes), the Universal
// Scalability Law fit over a scaling sweep, the instance count for a
// target rate, and the CPU-fit check that says when a target asks for more
// CPUs than the machine gives it.
//
// It sits between the runner and the report: the runner feeds a Search
// with the outcome of each probe step and asks it for the next rate; after
// a sweep, FitUSL and Size turn the measured capacities into a model and an
// answer. Nothing here does I/O, reads a clock or knows a driver, so every
// decision is testable with synthetic servers and curves.
package capacity
