package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/scalebench/scalebench/report"
	"github.com/scalebench/scalebench/results"
)

// reportCommand re-renders report.html, summary.md and the chart PNGs from
// results.json files alone, offline.
func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "render report.html, summary.md and charts from results.json (several runs: overlaid)",
		ArgsUsage: "RUN…  (a run folder or a results.json path)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "folder to write the report to (default: the run's folder; required for several runs)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not print the terminal summary"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError{errors.New("report: name at least one run folder or results.json")}
			}
			var runs []*results.Run
			for _, p := range c.Args().Slice() {
				r, err := results.Read(p)
				if err != nil {
					return fmt.Errorf("report: %w", err)
				}
				runs = append(runs, r)
			}
			out := c.String("out")
			if out == "" {
				if len(runs) > 1 {
					return usageError{errors.New("report: several runs: say where to write the overlay with --out DIR")}
				}
				out = c.Args().First()
				if fi, err := os.Stat(out); err == nil && !fi.IsDir() {
					out = filepath.Dir(out)
				}
			}
			if !c.Bool("quiet") {
				color := false
				if f, ok := c.App.Writer.(*os.File); ok {
					color = term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
				}
				for _, r := range runs {
					if err := report.Summary(c.App.Writer, r, report.Options{Color: color}); err != nil {
						return fmt.Errorf("report: %w", err)
					}
					fmt.Fprintln(c.App.Writer)
				}
			}
			files, err := report.Render(c.Context, out, runs)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			fmt.Fprintf(c.App.Writer, "report: %s (%d files in %s)\n", files[0], len(files), out)
			return nil
		},
	}
}
