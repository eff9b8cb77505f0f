package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/compare"
	"github.com/scalebench/scalebench/report"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
)

// JUnitFile is the JUnit report run --baseline writes beside results.json.
const JUnitFile = "junit.xml"

// baselineFlags are run's flags for comparing with a baseline.
func baselineFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringFlag{Name: "baseline", Usage: "after the run, compare with the baseline `PATH` (a results.json or run folder; with several scenarios, a folder holding one per scenario, as --out writes them) and write compare.md, compare.json, junit.xml beside results.json; with --gate, exit 3 on a significant regression"},
	}, compareFlags()...)
}

// baseline is run --baseline: the baseline runs, read before the run
// starts, and what the comparisons found.
type baseline struct {
	opt  compareOptions
	runs map[string]*results.Run // by scenario name
	// regressions and incomparable collect, per scenario, what the
	// comparisons found, for the exit code.
	regressions  []string
	incomparable []error
}

// baselineArgs are run's --baseline flags, parsed.
type baselineArgs struct {
	path string
	opt  compareOptions
}

func baselineArgsFrom(c *cli.Context) (baselineArgs, error) {
	if c.String("baseline") == "" {
		return baselineArgs{}, nil
	}
	opt, err := compareOptionsFrom(c)
	return baselineArgs{path: c.String("baseline"), opt: opt}, err
}

// loadBaseline reads the baseline for every scenario, so that a missing
// or unreadable baseline stops the command before anything runs.
func loadBaseline(a baselineArgs, loaded []*scenarios.Scenario) (*baseline, error) {
	path, opt := a.path, a.opt
	if path == "" {
		return nil, nil
	}
	b := &baseline{opt: opt, runs: map[string]*results.Run{}}
	for _, sc := range loaded {
		p := path
		if len(loaded) > 1 {
			p = filepath.Join(path, slug(sc.Name))
		}
		r, err := results.Read(p)
		if err != nil {
			return nil, usageError{fmt.Errorf("--baseline: scenario %s: %w", sc.Name, err)}
		}
		b.runs[sc.Name] = r
	}
	return b, nil
}

// compareRun compares run with its baseline and writes compare.md,
// compare.json and junit.xml into dir (before the report is rendered,
// which shows them). It returns the table to print, or nil when the runs
// could not be compared (recorded for the exit code and printed to stderr).
func (b *baseline) compareRun(run *results.Run, dir string, stderr io.Writer) (*compare.Table, error) {
	if b == nil || b.runs[run.Scenario] == nil {
		return nil, nil
	}
	base := b.runs[run.Scenario]
	t, err := compare.Compare(base, run, b.opt.Options)
	if errors.Is(err, compare.ErrIncomparable) {
		fmt.Fprintf(stderr, "scalebench: --baseline: %v\n", err)
		b.incomparable = append(b.incomparable, fmt.Errorf("%s: %w", run.Scenario, err))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--baseline: %w", err)
	}
	opt := b.opt
	opt.markdown = filepath.Join(dir, report.CompareMarkdownFile)
	opt.json = filepath.Join(dir, report.CompareJSONFile)
	opt.junit = filepath.Join(dir, JUnitFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeComparison(t, opt); err != nil {
		return nil, err
	}
	for _, r := range t.Regressions() {
		b.regressions = append(b.regressions, run.Scenario+"/"+r.Describe())
	}
	return t, nil
}

// incomparableError is exit 2 when a run could not be compared with its
// baseline (nil otherwise).
func (b *baseline) incomparableError() error {
	if b == nil || len(b.incomparable) == 0 {
		return nil
	}
	return exitError{exitUsage, fmt.Errorf("--baseline: %w", errors.Join(b.incomparable...))}
}

// regressed lists the regressions found (nil-safe).
func (b *baseline) regressed() []string {
	if b == nil {
		return nil
	}
	return b.regressions
}

// printComparison prints the comparison table after the run's summary.
func printComparison(w io.Writer, t *compare.Table, dir string) error {
	if t == nil {
		return nil
	}
	fmt.Fprintln(w)
	if err := compare.Text(w, t); err != nil {
		return err
	}
	fmt.Fprintf(w, "comparison: %s, %s, %s\n", filepath.Join(dir, report.CompareMarkdownFile), filepath.Join(dir, report.CompareJSONFile), filepath.Join(dir, JUnitFile))
	return nil
}

// gateError says why --gate failed: missed SLOs, regressions, or both.
func gateError(sloFailed, regressions []string) error {
	var parts []string
	if len(sloFailed) > 0 {
		parts = append(parts, "SLO gate failed: "+strings.Join(sloFailed, ", "))
	}
	if len(regressions) > 0 {
		parts = append(parts, "regression gate failed: "+strings.Join(regressions, "; "))
	}
	return errors.New(strings.Join(parts, "; "))
}
