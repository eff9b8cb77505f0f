package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/reaper"
)

// claimRun picks the run's id (base, or base-2, … when a run of the same
// scenario started in the same second) and claims its folder, which is
// created exclusively: an existing run folder is never reused, and an
// --out folder that already holds a run is refused. It starts the run's
// guard (see targets/reaper) and returns it with the id and folder.
func claimRun(base string, a runArgs, several bool, scenario string) (*reaper.Guard, string, string, error) {
	folder := func(id string) (string, error) {
		if a.out == "" {
			dir := filepath.Join("results", "runs", id)
			if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
				return "", fmt.Errorf("create results folder: %w", err)
			}
			if err := os.Mkdir(dir, 0o755); errors.Is(err, fs.ErrExist) {
				return "", reaper.ErrTaken
			} else if err != nil {
				return "", fmt.Errorf("create results folder: %w", err)
			}
			return dir, nil
		}
		dir := a.out
		if several {
			dir = filepath.Join(a.out, slug(scenario))
		}
		return dir, claimOut(dir)
	}
	exe, err := os.Executable()
	if err != nil {
		exe = "" // no guard; the record still lets the next run clean up
	}
	g, id, dir, err := reaper.Claim(base, folder, reaper.Options{Exe: exe})
	if err != nil {
		return nil, "", "", err
	}
	return g, id, dir, nil
}

// claimOut creates --out DIR (it may exist, empty or not) and claims it by
// creating DIR/results.json exclusively, so a folder holding a run — or
// one another run is writing right now — is never overwritten.
func claimOut(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create results folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, results.FileName), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usageError{fmt.Errorf("--out %s already holds a run (%s): choose another folder or delete it", dir, results.FileName)}
	}
	if err != nil {
		return fmt.Errorf("create results folder: %w", err)
	}
	return f.Close()
}

// guardObserver tells the run's guard which target is being measured,
// so an abandoned run's results name it.
type guardObserver struct {
	runner.Observer
	guard *reaper.Guard
	sc    *scenarios.Scenario
	runID string
}

// TargetStarted records the target in the guard, then passes it on.
func (o guardObserver) TargetStarted(name string, index, total int) {
	for _, t := range o.sc.Targets {
		if t.Name == name {
			o.guard.TargetStarted(name, runner.Spec(o.sc, t, o.runID).Topology)
		}
	}
	o.Observer.TargetStarted(name, index, total)
}

// releaseClaim undoes claimRun's claim of dir when the run never wrote
// its results (it failed before starting): the empty results.json, and a
// default folder left empty, so a retry into the same --out works.
func releaseClaim(dir string, own bool) {
	path := filepath.Join(dir, results.FileName)
	if st, err := os.Stat(path); err == nil && st.Size() == 0 {
		_ = os.Remove(path)
	}
	if own {
		_ = os.Remove(dir) // only when empty
	}
}

// sweepLeftovers cleans up after runs whose scalebench died (kill -9, a
// crash): it stops what they left running, marks them abandoned and says
// so on stderr. It returns one run warning per run cleaned.
func sweepLeftovers(ctx context.Context, stderr io.Writer) []string {
	cleaned, err := reaper.Sweep(ctx, "", reaper.CleanOptions{Docker: dockerCleaner})
	if err != nil {
		fmt.Fprintf(stderr, "scalebench: cleaning up after earlier runs: %v\n", err)
	}
	var warnings []string
	for _, c := range cleaned {
		msg := "cleaned up after an abandoned " + c.String()
		fmt.Fprintf(stderr, "scalebench: %s\n", msg)
		warnings = append(warnings, msg)
	}
	return warnings
}

// dockerCleaner removes a dead run's containers and networks when the
// engine is reachable.
func dockerCleaner(ctx context.Context, runID string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pool, err := docker.Connect(ctx, "")
	if err != nil {
		return nil, err
	}
	// Swarm services first: their tasks hold the run's overlay networks.
	out := cleanSwarmRun(ctx)
	removed, err := docker.CleanRun(ctx, pool, runID)
	for _, c := range removed.Containers {
		out = append(out, "container "+c)
	}
	for _, n := range removed.Networks {
		out = append(out, "network "+n)
	}
	return out, err
}

// reapCommand is the hidden guard process of a run (see targets/reaper):
// it waits for its stdin to close, then stops what the run left running.
func reapCommand() *cli.Command {
	return &cli.Command{
		Name:      "reap",
		Hidden:    true,
		Usage:     "internal: stop what a run left running once it dies",
		ArgsUsage: "RECORD",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError{errors.New("reap: want the run's record file")}
			}
			// Only the end of stdin (the run is gone) may end the guard:
			// a Ctrl-C or a kill of the run's group must not.
			signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
			return reaper.Watch(os.Stdin, c.Args().First(), reaper.CleanOptions{Docker: dockerCleaner}, c.App.ErrWriter)
		},
	}
}
