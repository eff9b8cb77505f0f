package agents

import (
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
)

// Job is one agent's share of one phase, as the coordinator sends it.
type Job struct {
	// BaseURL is the target's endpoint as the agent reaches it.
	BaseURL string `json:"base_url"`
	// Requests is the request mix.
	Requests []load.Request `json:"requests"`
	// Timeout of one request.
	Timeout time.Duration `json:"timeout_ns"`
	// MaxWorkers caps this agent's concurrent requests.
	MaxWorkers int `json:"max_workers"`
	// AllowRemote permits a non-loopback BaseURL.
	AllowRemote bool `json:"allow_remote,omitempty"`
	// Phase is the phase with this agent's Shard and its StartAt, already
	// translated to the agent's clock.
	Phase load.Phase `json:"phase"`
}

// Reply is an agent's answer to a Job.
type Reply struct {
	// Steps are the agent's steps of the phase, histograms included.
	Steps []results.Step `json:"steps"`
	// Error is set when the agent could not run the job.
	Error string `json:"error,omitempty"`
}

// ClockReply is an agent's answer to a clock exchange.
type ClockReply struct {
	// UnixNano is the agent's wall clock when it answered.
	UnixNano int64 `json:"unix_nano"`
}

// TokenHeader carries the shared secret every request to an agent must
// bear (the coordinator makes one per run and hands it to the agents it
// starts through TokenEnv).
const (
	TokenHeader = "X-Scalebench-Agent-Token"
	TokenEnv    = "SCALEBENCH_AGENT_TOKEN"
)
