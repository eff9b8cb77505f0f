package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/compare"
	"github.com/scalebench/scalebench/report"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/safetext"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/secrets"
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
			&cli.IntFlag{Name: "trials", Usage: "measure each target `N` times, targets interleaved (default: the scenario's defaults.trials, else 1)"},
			&cli.Float64Flag{Name: "min-effect", Usage: "smallest relative p99 difference a verdict calls a win, as a `FRACTION` (default: the scenario's defaults.min_effect, else 0.05)"},
			&cli.StringFlag{Name: "engine", Usage: "HTTP client engine: auto, nethttp or fast (default: the scenario's load.engine, else auto)"},
			&cli.Float64Flag{Name: "for-rate", Usage: "size every scaling sweep for `REQ_PER_S` (sets slo.target_rate; docs/capacity.md)"},
			&cli.BoolFlag{Name: "no-health-check", Usage: "send load to url: targets without checking their health path first"},
		}, append(append(append(dockerFlags(), kubeFlags()...), baselineFlags()...), generatorFlags()...)...),
		Action: func(c *cli.Context) error {
			base, err := baselineArgsFrom(c)
			if err != nil {
				return err
			}
			return runScenarios(c.Context, runArgs{
				scenarios:  c.Args().Slice(),
				out:        c.String("out"),
				driver:     c.String("driver"),
				only:       c.StringSlice("target"),
				quick:      c.Bool("quick"),
				noProgress: c.Bool("no-progress"),
				gate:       c.Bool("gate"),
				trials:     c.Int("trials"),
				minEffect:  c.Float64("min-effect"),
				engine:     c.String("engine"),
				forRate:    c.Float64("for-rate"),
				noHealth:   c.Bool("no-health-check"),
				docker:     dockerOptionsFrom(c),
				kube:       kubeOptionsFrom(c),
				generators: c.Int("generators"),
				agentsIn:   c.String("agents-in"),
				stdout:     c.App.Writer,
				stderr:     c.App.ErrWriter,

				baselineArgs: base,
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
	trials     int
	minEffect  float64
	engine     string
	forRate    float64
	noHealth   bool
	docker     dockerOptions
	kube       kubeOptions
	generators int    // --generators (generators.go)
	agentsIn   string // --agents-in
	stdout     io.Writer
	stderr     io.Writer
	// leftovers are run warnings about earlier runs cleaned up at start.
	leftovers []string

	// baselineArgs and baseline: run --baseline (nil baseline: none).
	baselineArgs baselineArgs
	baseline     *baseline
}

func runScenarios(parent context.Context, a runArgs) error {
	if len(a.scenarios) == 0 {
		a.scenarios = []string{"quickstart"}
	}
	loaded, err := loadScenarios(&a)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	runDone := make(chan struct{})
	defer close(runDone)
	stopSignals := onInterrupt(ctx, cancel, runDone, a.stderr)
	defer stopSignals()

	a.leftovers = sweepLeftovers(ctx, a.stderr)
	var failed, gateFailed []string
	var interrupted bool
	for i, sc := range loaded {
		if i > 0 {
			a.leftovers = nil
		}
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
	case a.baseline.incomparableError() != nil:
		return a.baseline.incomparableError()
	case a.gate && (len(gateFailed) > 0 || len(a.baseline.regressed()) > 0):
		return exitError{exitGate, gateError(gateFailed, a.baseline.regressed())}
	}
	return nil
}

// loadScenarios loads and checks every scenario and the run's flags
// before anything starts, and loads the baseline into a.
func loadScenarios(a *runArgs) ([]*scenarios.Scenario, error) {
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
		if err := runner.SetTargetRate(sc, a.forRate); err != nil {
			problems = append(problems, err)
			continue
		}
		if err := overrideEngine(sc, a.engine); err != nil {
			problems = append(problems, err)
			continue
		}
		loaded = append(loaded, sc)
	}
	if len(problems) > 0 {
		return nil, exitError{exitUsage, errors.Join(problems...)}
	}
	if a.driver != "" && a.driver != "process" && a.driver != "docker" && a.driver != "swarm" && a.driver != "kubernetes" {
		return nil, usageError{fmt.Errorf("--driver %q: want process, docker, swarm or kubernetes", a.driver)}
	}
	if a.trials < 0 {
		return nil, usageError{fmt.Errorf("--trials %d: must be ≥ 1", a.trials)}
	}
	if a.minEffect < 0 || a.minEffect >= 1 {
		return nil, usageError{fmt.Errorf("--min-effect %v: must be in [0, 1) (0.05 = 5%%)", a.minEffect)}
	}
	var err error
	if a.baseline, err = loadBaseline(a.baselineArgs, loaded); err != nil {
		return nil, err
	}
	return loaded, nil

}

// onInterrupt cancels the run on SIGINT or SIGTERM (and exits if it has
// not stopped within stopGrace); the returned function stops listening.
func onInterrupt(ctx context.Context, cancel context.CancelFunc, runDone <-chan struct{}, stderr io.Writer) func() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "\nscalebench: interrupted; stopping the load and tearing targets down (results so far are kept)")
			signal.Stop(sigs) // a second Ctrl-C kills at once
			cancel()
			stopOrExit(runDone, stderr)
		case <-ctx.Done():
		}
	}()
	return func() { signal.Stop(sigs) }
}

// stopGrace is how long an interrupted run may take to stop the load and
// tear its targets down (each target's tear-down is bounded by 15 s, the
// drivers' cleanup by 20 s) before scalebench gives up waiting.
var stopGrace = 60 * time.Second

// stopOrExit waits, after an interrupt, for the run to end; when it has not
// ended within stopGrace, it says so and exits, so that "interrupted" always
// means the run stops. This is the one exit outside main: by then the
// orderly path has had its chance and a user's SIGTERM must be obeyed.
func stopOrExit(done <-chan struct{}, stderr io.Writer) {
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		fmt.Fprintf(stderr, "scalebench: the run did not stop within %v of the interrupt; exiting now (run `scalebench clean` if anything was left running)\n", stopGrace)
		os.Exit(exitRuntime)
	}
}

// runOne runs one scenario into its own folder and prints its summary.
func runOne(ctx context.Context, sc *scenarios.Scenario, a runArgs, several bool) (*results.Run, error) {
	driverName := a.driver
	if driverName == "" {
		driverName = sc.Driver
	}
	start := time.Now().UTC()
	guard, id, dir, err := claimRun(start.Format("20060102-150405")+"-"+slug(sc.Name), a, several, sc.Name)
	if err != nil {
		return nil, err
	}
	defer releaseClaim(dir, a.out == "")
	defer func() {
		if err := guard.Close(); err != nil {
			fmt.Fprintf(a.stderr, "scalebench: cleanup: %v\n", err)
		}
	}()
	resolved, red, err := scenarios.Resolve(sc)
	if err != nil {
		return nil, exitError{exitUsage, err}
	}
	drv, err := newDriver(ctx, driverName, id, dir, guard, a)
	if err != nil {
		return nil, err
	}
	defer closeDriver(drv, a.stderr)

	run := newRun(sc, id, start, drv.Name(), red, a)
	genCPUs := pinGenerator(drv, &run.Environment)
	pool, err := startAgents(ctx, sc, a, run, drv)
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
	fmt.Fprintf(a.stderr, "scalebench: running %s (%s, driver %s) into %s\n", safetext.Line(sc.Name), count(n, "target"), drv.Name(), safetext.Line(dir))
	obs := newObserver(a.stderr, sc, a.noProgress)
	err = runner.Run(ctx, run, resolved, runner.Options{
		Dir:           dir,
		Driver:        drv,
		Quick:         a.quick,
		Only:          a.only,
		GeneratorCPUs: genCPUs,
		Observer:      guardObserver{Observer: obs, guard: guard, sc: sc, runID: id},
		Trials:        a.trials,
		MinEffect:     a.minEffect,
		Scrub:         scrubRun(red),
		NoHealthCheck: a.noHealth,
		Agents:        pool,
		AfterTarget: func(ctx context.Context, run *results.Run) error {
			_, err := report.Render(context.WithoutCancel(ctx), dir, []*results.Run{run})
			return err
		},
	})
	obs.finish()
	scrubLogsOrWarn(dir, red, a.stderr)
	if err != nil {
		return nil, err
	}
	cmp, err := a.baseline.compareRun(run, dir, a.stderr)
	if err != nil {
		return nil, err
	}
	if _, err := report.Render(context.WithoutCancel(ctx), dir, []*results.Run{run}); err != nil {
		fmt.Fprintf(a.stderr, "scalebench: render reports: %v\n", err)
	}
	if err := printRun(a.stdout, run, cmp, dir); err != nil {
		return nil, err
	}
	return run, nil
}

// closeDriver removes whatever the driver still holds, within 20 s.
func closeDriver(drv driver, stderr io.Writer) {
	cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := drv.Close(cctx); err != nil {
		fmt.Fprintf(stderr, "scalebench: cleanup: %v\n", err)
	}
}

// newRun is the record of a run about to start.
func newRun(sc *scenarios.Scenario, id string, start time.Time, driver string, red *secrets.Redactor, a runArgs) *results.Run {
	run := &results.Run{
		SchemaVersion: results.SchemaVersion,
		ID:            id,
		Scenario:      sc.Name,
		Description:   sc.Description,
		ScenarioFile:  sc.Source,
		ScenarioYAML:  red.String(sc.RedactedYAML()),
		Model:         sc.Model(),
		Quick:         a.quick,
		StartedAt:     start,
		Environment:   runner.Environment(driver, fullVersion(), sc.Source),
		Targets:       []results.Target{},
		Warnings:      a.leftovers,
	}
	run.SLO = runner.SLO(sc.SLO)
	if run.SLO != nil {
		run.SLO.TargetRate = sc.SLO.TargetRate
	}
	return run
}

// printRun prints the run's summary, its comparison with a baseline and
// where its files are.
func printRun(stdout io.Writer, run *results.Run, cmp *compare.Table, dir string) error {
	fmt.Fprintln(stdout)
	if err := report.Summary(stdout, run); err != nil {
		return err
	}
	if err := printComparison(stdout, cmp, dir); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s\nreport:  %s\n", filepath.Join(dir, results.FileName), filepath.Join(dir, "report.html"))
	return nil
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

// overrideEngine applies --engine to sc (nothing when the flag is unset).
func overrideEngine(sc *scenarios.Scenario, engine string) error {
	if engine == "" {
		return nil
	}
	if !slices.Contains(scenarios.Engines(), engine) {
		return fmt.Errorf("--engine %q: want one of %s", engine, strings.Join(scenarios.Engines(), ", "))
	}
	if p := scenarios.EngineProblems(sc, engine); len(p) > 0 {
		return fmt.Errorf("--engine %s: scenario %s: %s", engine, sc.Name, strings.Join(p, "; "))
	}
	sc.Load.Engine = engine
	return nil
}
