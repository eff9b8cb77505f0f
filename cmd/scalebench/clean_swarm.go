package main

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/client"

	"github.com/scalebench/scalebench/targets/swarm"
)

// cleanSwarm removes the Swarm services, configs, relay containers and
// networks of dead runs (all of them with all) when the engine is a swarm
// manager, and leaves a single-node swarm scalebench made once nothing of
// it is left. An engine that is not a swarm has nothing to clean.
func cleanSwarm(ctx context.Context, w io.Writer, all bool) error {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer cli.Close()
	info, err := cli.Info(ctx)
	if err != nil || !info.Swarm.ControlAvailable {
		return nil
	}
	removed, err := swarm.Clean(ctx, cli, swarm.CleanOptions{All: all, LeaveSwarm: true})
	for _, name := range removed.Services {
		fmt.Fprintf(w, "removed swarm service %s\n", name)
	}
	for _, name := range removed.Networks {
		fmt.Fprintf(w, "removed swarm network %s\n", name)
	}
	if removed.LeftSwarm {
		fmt.Fprintln(w, "left the single-node swarm a scalebench run had made")
	}
	if err != nil {
		return fmt.Errorf("clean swarm: %w", err)
	}
	return nil
}

// cleanSwarmRun removes the Swarm objects of runs that are no longer alive
// (the guard calls it once its run died), leaving a swarm the run had
// made, and lists what it removed.
func cleanSwarmRun(ctx context.Context) []string {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil
	}
	defer cli.Close()
	if info, err := cli.Info(ctx); err != nil || !info.Swarm.ControlAvailable {
		return nil
	}
	removed, _ := swarm.Clean(ctx, cli, swarm.CleanOptions{LeaveSwarm: true})
	var out []string
	for _, s := range removed.Services {
		out = append(out, "swarm service "+s)
	}
	if removed.LeftSwarm {
		out = append(out, "the single-node swarm the run had made")
	}
	return out
}
