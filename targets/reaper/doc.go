// Package reaper makes sure nothing a run starts outlives it, however
// scalebench ends (kill -9 included).
//
// A run claims a record in the state folder (StateDir: one JSON file per
// live run, named by its run id, which makes run ids unique on the host)
// and keeps in it what it started: each process group with its leader's
// pid, start time and port, the cgroups it made, whether it used Docker.
// Beside the run, a guard process (the hidden `scalebench reap` command,
// in its own process group) holds the other end of a pipe only the run
// holds open. When the run ends cleanly it removes the record and closes
// the pipe. When it dies, the kernel closes the pipe: the guard reads the
// record, stops every process group and cgroup still in it (the polite
// signal, a grace period, SIGKILL), removes the run's containers and
// networks, marks the run's results.json "abandoned" and notes in the
// record what it did.
//
// Sweep, called at the start of every run and by `scalebench clean`,
// handles records whose owner is gone: it stops what is still running
// (the guard may have been killed too), marks the run abandoned, reports
// what it cleaned and deletes the record.
//
// The process driver reports what it starts through its Tracker option;
// the CLI wires a Guard into it.
package reaper
