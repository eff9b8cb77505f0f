package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/agents"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/kubernetes"
)

// generatorFlags are run's flags for distributed generation.
func generatorFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "generators", Usage: "send the load through `N` generator agents merged exactly (overrides the scenario's generators.count; see docs/distributed.md)"},
		&cli.StringFlag{Name: "agents-in", Value: "process", Usage: "where --generators agents run: process (local processes), docker (containers of the app image on the host network) swarm (one Swarm service per agent, host network; needs a swarm manager, e.g. with --driver swarm) or kubernetes (an Indexed Job in the run's namespace; needs --driver kubernetes)"},
	}
}

// generatorCount is how many agents the run uses (0: none, the in-process
// generator): --generators, else the scenario's generators.count.
func generatorCount(sc *scenarios.Scenario, flag int) (int, error) {
	switch {
	case flag < 0 || flag > 64:
		return 0, usageError{fmt.Errorf("--generators %d: want 1 to 64", flag)}
	case flag > 0:
		if sc.IsWebSocket() || len(sc.Flows) > 0 {
			return 0, usageError{fmt.Errorf("--generators: scenario %s sends flows or WebSocket load; generator agents send plain requests only", sc.Name)}
		}
		return flag, nil
	case sc.Generators != nil:
		return sc.Generators.Count, nil
	}
	return 0, nil
}

// startAgents starts the run's generator agents (nil when it has none),
// pinned to the generator's CPUs, and records where they run in the run's
// warnings — including that agents on fewer CPUs than agents share them.
func startAgents(ctx context.Context, sc *scenarios.Scenario, a runArgs, run *results.Run, drv driver) (*agents.Pool, error) {
	n, err := generatorCount(sc, a.generators)
	if err != nil || n == 0 {
		return nil, err
	}
	cpus := run.Environment.GeneratorCPUs
	var l agents.Launcher
	switch a.agentsIn {
	case "", "process":
		l = agents.LocalLauncher{CPUs: cpus, Stderr: a.stderr}
	case "docker":
		img, err := agentImage(ctx, a.docker.appImage)
		if err != nil {
			return nil, fmt.Errorf("--agents-in docker: %w", err)
		}
		l = agents.DockerLauncher{Image: img, RunID: run.ID, CPUs: cpus, Labels: docker.Labels(run.ID), Stderr: a.stderr}
	case "swarm":
		img, err := agentImage(ctx, a.docker.appImage)
		if err != nil {
			return nil, fmt.Errorf("--agents-in swarm: %w", err)
		}
		cpus = nil // Swarm services cannot be pinned; each is limited to one core
		l = agents.SwarmLauncher{Image: img, RunID: run.ID, Labels: docker.Labels(run.ID), CPU: 1, Stderr: a.stderr}
	case "kubernetes":
		kd, ok := drv.(*kubernetes.Driver)
		if !ok {
			return nil, usageError{fmt.Errorf("--agents-in kubernetes: needs --driver kubernetes (the agents run as an Indexed Job in the run's namespace), got --driver %s", drv.Name())}
		}
		cpus = nil // pods are placed by the scheduler; each is limited to one core
		l = kubernetes.AgentLauncher{Driver: kd, CPU: 1}
	default:
		return nil, usageError{fmt.Errorf("--agents-in %q: want process, docker, swarm or kubernetes", a.agentsIn)}
	}
	pool, err := l.Start(ctx, n)
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("generators: %d agents (%s)", n, l.Where())
	switch {
	case len(cpus) == 0:
		msg += ", not pinned"
	case len(cpus) < n:
		msg += fmt.Sprintf(" share the generator's %d CPU(s) %v: together they have no more CPU than one generator, so this tests the merge, not extra capacity", len(cpus), cpus)
	default:
		msg += fmt.Sprintf(", one per generator CPU of %v", cpus)
	}
	run.Warnings = append(run.Warnings, msg)
	fmt.Fprintf(a.stderr, "scalebench: %s\n", msg)
	return pool, nil
}

// agentImage builds (or finds) the app image, whose entrypoint is a static
// scalebench binary that also runs `agent`.
func agentImage(ctx context.Context, repo string) (string, error) {
	pool, err := docker.Connect(ctx, "")
	if err != nil {
		return "", err
	}
	bin, err := docker.StaticBinary(ctx, "")
	if err != nil {
		return "", err
	}
	if repo == "" {
		repo = docker.DefaultAppImage
	}
	return docker.AppImage(ctx, pool, repo, bin)
}
