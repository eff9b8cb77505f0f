// Package agents runs load generators as separate agent processes and
// merges what they measure exactly.
//
// An agent (the hidden `scalebench agent` command, Serve here) listens on
// HTTP, answers clock exchanges, and runs one share of a step with the
// ordinary load.Generator: agent i of N sends global arrivals i, i+N, … of
// the step's schedule from an absolute start time (load.Shard,
// load.Phase.StartAt). It returns the step as load measured it, HDR
// histograms included (HdrHistogram V2 compressed, base64).
//
// The coordinator side (Client, Launcher, Merge) checks clock offsets
// before each step, hands out the shares, and merges the returned steps:
// histograms are added bucket by bucket (one geometry everywhere; a merge
// that would drop a value is an error), so merged percentiles are those
// of the pooled requests, not an approximation.
//
// Launchers start agents as local processes (LocalLauncher), Docker
// containers (DockerLauncher) or Swarm services (SwarmLauncher); the
// Kubernetes driver's AgentLauncher (targets/kubernetes) runs them as an
// Indexed Job and hands back a pool made with NewPool (InCluster: they
// load a target's in-cluster Service). Local processes and containers
// never outlive the coordinator: local
// agents are in their own process group with a parent-death signal and
// exit when their stdin (a pipe from the coordinator) closes; containers
// run with --rm, exit on the same stdin rule and are removed by name on
// Close.
package agents
