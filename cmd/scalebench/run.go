package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/report"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/scenarios"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run scenarios (paths or built-in suite names; default quickstart)",
		ArgsUsage: "[SCENARIO…]",
		Description: "SCENARIO is a YAML file or a built-in suite: " + strings.Join(scenarios.Builtins(), ", ") +
			".\nFlags may come before or after the scenario names. See docs/cli.md and docs/scenarios.md.",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "write the run into `DIR` (default results/runs/<run-id>; with several scenarios, DIR/<scenario>)"},
			&cli.StringFlag{Name: "driver", Usage: "target driver: process, docker, swarm or kubernetes (default: the scenario's, else process)"},
			&cli.StringSliceFlag{Name: "target", Usage: "run only the target `NAME` (repeatable)"},
			&cli.BoolFlag{Name: "quick", Usage: "short warm-up and steps, for smoke runs"},
			&cli.BoolFlag{Name: "no-progress", Usage: "print plain lines instead of a progress bar"},
			&cli.BoolFlag{Name: "gate", Usage: "exit 3 when a target misses the scenario's SLO"},
		}, append(append(dockerFlags(), kubeFlags()...), generatorFlags()...)...),
		Action: func(c *cli.Context) error {
			return runScenarios(c.Context, runArgs{
				scenarios:  c.Args().Slice(),
				out:        c.String("out"),
				driver:     c.String("driver"),
				only:       c.StringSlice("target"),
				quick:      c.Bool("quick"),
				noProgress: c.Bool("no-progress"),
				gate:       c.Bool("gate"),
				docker:     dockerOptionsFrom(c),
				kube:       kubeOptionsFrom(c),
				generators: c.Int("generators"),
				agentsIn:   c.String("agents-in"),
				stdout:     c.App.Writer,
				stderr:     c.App.ErrWriter,
			})
		},
	}
}

type runArgs struct {
	scenarios  []string
	out        string
	driver     string
	only       []string
	quick      bool
	noProgress bool
	gate       bool
	docker     dockerOptions
	kube       kubeOptions
	generators int    // --generators (generators.go)
	agentsIn   string // --agents-in
	stdout     io.Writer
	stderr     io.Writer
}

func runScenarios(parent context.Context, a runArgs) error {
	if len(a.scenarios) == 0 {
		a.scenarios = []string{"quickstart"}
	}
	// Load and check everything before starting anything.
	var loaded []*scenarios.Scenario
	var problems []error
	for _, name := range a.scenarios {
		sc, err := scenarios.Load(name)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if err := runner.CheckOnly(sc, a.only); err != nil {
			problems = append(problems, err)
			continue
		}
		loaded = append(loaded, sc)
	}
	if len(problems) > 0 {
		return exitError{exitUsage, errors.Join(problems...)}
	}
	if a.driver != "" && a.driver != "process" && a.driver != "docker" && a.driver != "swarm" && a.driver != "kubernetes" {
		return usageError{fmt.Errorf("--driver %q: want process, docker, swarm or kubernetes", a.driver)}
	}

	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(a.stderr, "\nscalebench: interrupted; stopping the load and tearing targets down (results so far are kept)")
			signal.Stop(sigs) // a second Ctrl-C kills at once
			cancel()
		case <-ctx.Done():
		}
	}()

	var failed, gateFailed []string
	var interrupted bool
	for _, sc := range loaded {
		run, err := runOne(ctx, sc, a, len(loaded) > 1)
		if err != nil {
			return err
		}
		for _, t := range run.Targets {
			if t.Status == results.StatusFailed {
				failed = append(failed, fmt.Sprintf("%s/%s", sc.Name, t.Name))
			}
			if t.SLOPassed != nil && !*t.SLOPassed {
				gateFailed = append(gateFailed, fmt.Sprintf("%s/%s", sc.Name, t.Name))
			}
		}
		if run.Status == results.RunInterrupted {
			interrupted = true
			break
		}
	}
	switch {
	case interrupted:
		return exitError{exitRuntime, errors.New("interrupted")}
	case len(failed) > 0:
		return exitError{exitRuntime, fmt.Errorf("targets failed: %s", strings.Join(failed, ", "))}
	case a.gate && len(gateFailed) > 0:
		return exitError{exitGate, fmt.Errorf("SLO gate failed: %s", strings.Join(gateFailed, ", "))}
	}
	return nil
}

// runOne runs one scenario into its own folder and prints its summary.
func runOne(ctx context.Context, sc *scenarios.Scenario, a runArgs, several bool) (*results.Run, error) {
	driverName := a.driver
	if driverName == "" {
		driverName = sc.Driver
	}
	start := time.Now().UTC()
	id := start.Format("20060102-150405") + "-" + slug(sc.Name)
	dir := filepath.Join("results", "runs", id)
	if a.out != "" {
		dir = a.out
		if several {
			dir = filepath.Join(a.out, slug(sc.Name))
		}
	}
	drv, err := newDriver(ctx, driverName, id, dir, a)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := drv.Close(cctx); err != nil {
			fmt.Fprintf(a.stderr, "scalebench: cleanup: %v\n", err)
		}
	}()

	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		ID:            id,
		Scenario:      sc.Name,
		Description:   sc.Description,
		ScenarioFile:  sc.Source,
		ScenarioYAML:  string(sc.Raw),
		Model:         sc.Model(),
		Quick:         a.quick,
		StartedAt:     start,
		Environment:   runner.Environment(drv.Name(), fullVersion(), sc.Source),
		Targets:       []results.Target{},
	}
	if sc.SLO != nil {
		run.SLO = &results.SLO{P99Ms: float64(sc.SLO.P99.D().Microseconds()) / 1000}
		if sc.SLO.ErrorRate != nil {
			run.SLO.ErrorRate = *sc.SLO.ErrorRate
		}
		if sc.SLO.DeliveryRatio != nil {
			run.SLO.DeliveryRatio = *sc.SLO.DeliveryRatio
		}
	}
	genCPUs := pinGenerator(drv, &run.Environment)
	pool, err := startAgents(ctx, sc, a, run)
	if err != nil {
		return nil, err
	}
	if pool != nil {
		defer pool.Close()
	}

	n := len(sc.Targets)
	if len(a.only) > 0 {
		n = len(a.only)
	}
	fmt.Fprintf(a.stderr, "scalebench: running %s (%d targets, driver %s) into %s\n", sc.Name, n, drv.Name(), dir)
	obs := newObserver(a.stderr, sc, a.noProgress)
	err = runner.Run(ctx, run, sc, runner.Options{
		Dir:           dir,
		Driver:        drv,
		Quick:         a.quick,
		Only:          a.only,
		GeneratorCPUs: genCPUs,
		Agents:        pool,
		Observer:      obs,
		AfterTarget: func(ctx context.Context, run *results.Run) error {
			_, err := report.Render(context.WithoutCancel(ctx), dir, []*results.Run{run})
			return err
		},
	})
	obs.finish()
	if err != nil {
		return nil, err
	}
	if _, err := report.Render(context.WithoutCancel(ctx), dir, []*results.Run{run}); err != nil {
		fmt.Fprintf(a.stderr, "scalebench: render reports: %v\n", err)
	}
	fmt.Fprintln(a.stdout)
	if err := report.Summary(a.stdout, run); err != nil {
		return nil, err
	}
	fmt.Fprintf(a.stdout, "\nresults: %s\nreport:  %s\n", filepath.Join(dir, results.FileName), filepath.Join(dir, "report.html"))
	return run, nil
}

// slug makes a scenario name safe as a folder name.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "scenario"
	}
	return b.String()
}
