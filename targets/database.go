package targets

import (
	"context"
	"fmt"
)

// DatabaseSpec is the PostgreSQL tier of a target: what a driver starts
// before the app instances.
type DatabaseSpec struct {
	// Shards is the number of independent primaries (1: not sharded).
	Shards int
	// Replicas is the number of streaming replicas of the first primary.
	Replicas int
	// ReadFrom is where the app sends reads: "replicas", "primary", "all".
	ReadFrom string
	// Rows is the number of users the app seeds (0: the app's default).
	Rows int
	// Pool is the app's pgx pool size per node (0: the app's default).
	Pool int
	// CPUBudget is CPUs per node (0: none), enforced like an instance's.
	CPUBudget float64
	// Durable turns fsync, synchronous_commit and full_page_writes on.
	Durable bool
	// Image is the PostgreSQL image (docker driver; "" for its default).
	Image string
}

// Node names the PostgreSQL nodes of the spec, in order: "primary" and
// "replica-N", or "shard-N" when sharded. The app names them the same.
func (d *DatabaseSpec) Nodes() []DatabaseNode {
	var out []DatabaseNode
	if d.Shards > 1 {
		for i := 1; i <= d.Shards; i++ {
			out = append(out, DatabaseNode{Name: fmt.Sprintf("shard-%d", i), Role: "primary"})
		}
		return out
	}
	out = append(out, DatabaseNode{Name: "primary", Role: "primary"})
	for i := 1; i <= d.Replicas; i++ {
		out = append(out, DatabaseNode{Name: fmt.Sprintf("replica-%d", i), Role: "replica"})
	}
	return out
}

// AppArgs are the `scalebench serve` flags for the tier's options (the
// DSNs are added by the driver).
func (d *DatabaseSpec) AppArgs() []string {
	var out []string
	if d.ReadFrom != "" {
		out = append(out, "--pg-read-from", d.ReadFrom)
	}
	if d.Rows > 0 {
		out = append(out, "--pg-rows", fmt.Sprint(d.Rows))
	}
	if d.Pool > 0 {
		out = append(out, "--pg-pool", fmt.Sprint(d.Pool))
	}
	return out
}

// DatabaseNode is one running PostgreSQL server of a deployment.
type DatabaseNode struct {
	// Name is "primary", "replica-N" or "shard-N".
	Name string
	// Role is "primary" or "replica".
	Role string
	// DSN is how the orchestrator reaches it (host side, loopback).
	DSN string
}

// DatabaseDeployment is a deployment with a PostgreSQL tier; the runner
// samples its nodes (runner/database.go).
type DatabaseDeployment interface {
	// DatabaseNodes lists the running nodes.
	DatabaseNodes() []DatabaseNode
	// NodeUsage is one node's cumulative resource use.
	NodeUsage(ctx context.Context, name string) (Usage, error)
}
