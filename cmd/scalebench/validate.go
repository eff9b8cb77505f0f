package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/safetext"
	"github.com/scalebench/scalebench/scenarios"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check scenario files and report every problem (exit 2 when invalid)",
		ArgsUsage: "SCENARIO…",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError{errors.New("validate: name at least one scenario file or built-in suite")}
			}
			var bad []error
			for _, name := range c.Args().Slice() {
				sc, err := scenarios.Load(name)
				if err != nil {
					bad = append(bad, err)
					continue
				}
				fmt.Fprintf(c.App.Writer, "%s: ok (%s, %s, %s model)\n", safetext.Line(name), safetext.Line(sc.Name), count(len(sc.Targets), "target"), sc.Model())
			}
			if len(bad) > 0 {
				return exitError{exitUsage, errors.Join(bad...)}
			}
			return nil
		},
	}
}

// count says "1 target", "3 targets".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
