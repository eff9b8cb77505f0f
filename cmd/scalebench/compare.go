package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/compare"
	"github.com/scalebench/scalebench/results"
)

// compareCommand compares a new run with a baseline, metric by metric,
// with a significance test corrected across the whole table.
func compareCommand() *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "compare two runs: is NEW significantly better or worse than BASE? (see docs/compare.md)",
		ArgsUsage: "BASE NEW  (each a run folder or a results.json path)",
		Flags: append(compareFlags(),
			&cli.StringFlag{Name: "markdown", Usage: "also write the comparison as Markdown to `FILE` (GitHub step summary, PR comment)"},
			&cli.StringFlag{Name: "junit", Usage: "also write a JUnit XML report to `FILE` (a testcase per target × level × metric)"},
			&cli.StringFlag{Name: "json", Usage: "also write the comparison as JSON to `FILE` (layout in docs/compare.md)"},
			&cli.BoolFlag{Name: "gate", Usage: "exit 3 on any significant regression of at least the threshold"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageError{fmt.Errorf("compare: want BASE and NEW (run folders or results.json), got %d argument(s)", c.NArg())}
			}
			opt, err := compareOptionsFrom(c)
			if err != nil {
				return err
			}
			base, err := results.Read(c.Args().Get(0))
			if err != nil {
				return exitError{exitUsage, fmt.Errorf("compare: base: %w", err)}
			}
			new, err := results.Read(c.Args().Get(1))
			if err != nil {
				return exitError{exitUsage, fmt.Errorf("compare: new: %w", err)}
			}
			return compareRuns(base, new, opt, c.App.Writer)
		},
	}
}

// compareFlags are shared by compare and run --baseline.
func compareFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "threshold", Value: "5%", Usage: "smallest change reported as better/worse (a regression), e.g. 5% or 0.05"},
		&cli.StringFlag{Name: "correction", Value: compare.Holm, Usage: "multiple-comparison correction across the table: holm or bh (Benjamini-Hochberg)"},
	}
}

// compareOptions are the comparison flags, parsed.
type compareOptions struct {
	compare.Options
	markdown, junit, json string
	gate                  bool
}

func compareOptionsFrom(c *cli.Context) (compareOptions, error) {
	th, err := parseThreshold(c.String("threshold"))
	if err != nil {
		return compareOptions{}, usageError{fmt.Errorf("--threshold: %w", err)}
	}
	corr := c.String("correction")
	if corr != compare.Holm && corr != compare.BenjaminiHochberg {
		return compareOptions{}, usageError{fmt.Errorf("--correction %q: want holm or bh", corr)}
	}
	return compareOptions{
		Options:  compare.Options{Threshold: th, Correction: corr},
		markdown: c.String("markdown"), junit: c.String("junit"), json: c.String("json"),
		gate: c.Bool("gate"),
	}, nil
}

// parseThreshold reads "5%", "5 %" or "0.05".
func parseThreshold(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pctSign := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a percentage (5%%) or a fraction (0.05)", s)
	}
	if pctSign {
		v /= 100
	}
	if v < 0 || v >= 10 {
		return 0, fmt.Errorf("%q: must be between 0 and 1000%%", s)
	}
	return v, nil
}

// compareRuns compares, prints the table, writes the files asked for and
// returns exit 3 (with --gate) on a regression, exit 2 when the runs
// cannot be compared.
func compareRuns(base, new *results.Run, opt compareOptions, stdout io.Writer) error {
	t, err := compare.Compare(base, new, opt.Options)
	if err != nil {
		return exitError{exitUsage, fmt.Errorf("compare: %w", err)}
	}
	if err := compare.Text(stdout, t); err != nil {
		return err
	}
	if err := writeComparison(t, opt); err != nil {
		return err
	}
	if regs := t.Regressions(); opt.gate && len(regs) > 0 {
		return exitError{exitGate, fmt.Errorf("regression gate failed: %s", regressionList(regs))}
	}
	return nil
}

// writeComparison writes the Markdown, JUnit and JSON files asked for,
// each atomically.
func writeComparison(t *compare.Table, opt compareOptions) error {
	for _, out := range []struct {
		path   string
		render func(io.Writer, *compare.Table) error
	}{{opt.markdown, compare.Markdown}, {opt.junit, compare.JUnit}, {opt.json, compare.JSON}} {
		if out.path == "" {
			continue
		}
		var buf bytes.Buffer
		if err := out.render(&buf, t); err != nil {
			return err
		}
		if err := results.WriteFileAtomic(out.path, buf.Bytes()); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	return nil
}

func regressionList(regs []compare.Row) string {
	var parts []string
	for _, r := range regs {
		parts = append(parts, r.Describe())
	}
	return strings.Join(parts, "; ")
}
