package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/reaper"
)

func cleanCommand() *cli.Command {
	return &cli.Command{
		Name:  "clean",
		Usage: "stop processes and remove Docker containers and networks left by scalebench runs that died",
		Description: "Every run keeps a record of the processes it started (in $SCALEBENCH_STATE_DIR, else\n" +
			"$XDG_RUNTIME_DIR/scalebench, else /tmp/scalebench-<uid>). clean stops what is still running of\n" +
			"runs whose scalebench process is gone (kill -9, a crash), marks their results.json \"abandoned\"\n" +
			"and deletes their records. Every container and network scalebench starts is labelled scalebench=1\n" +
			"and scalebench.run=<run id>, with the pid of the scalebench process that owns it; clean removes\n" +
			"those whose process is gone; --all removes every one, including runs still in progress.\n" +
			"Each run does the same for processes when it starts. See docs/cli.md.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Usage: "also remove containers and networks of runs still alive and of other hosts"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what would be stopped or removed"},
		},
		Action: func(c *cli.Context) error {
			dry := c.Bool("dry-run")
			w := c.App.Writer
			cleaned, perr := reaper.Sweep(c.Context, "", reaper.CleanOptions{Docker: dockerCleaner, DryRun: dry})
			nothing := printCleaned(w, cleaned, dry)
			if !dry {
				if err := cleanSwarm(c.Context, w, c.Bool("all")); err != nil {
					fmt.Fprintf(c.App.ErrWriter, "scalebench: %v\n", err)
				}
			}
			pool, err := docker.Connect(c.Context, "")
			if err != nil {
				fmt.Fprintf(c.App.ErrWriter, "scalebench: docker: %v (containers and networks not checked)\n", err)
			} else {
				removed, derr := docker.Clean(c.Context, pool, docker.CleanOptions{All: c.Bool("all"), DryRun: dry})
				verb := "removed"
				if dry {
					verb = "would remove"
				}
				for _, name := range removed.Containers {
					fmt.Fprintf(w, "%s container %s\n", verb, name)
				}
				for _, name := range removed.Networks {
					fmt.Fprintf(w, "%s network %s\n", verb, name)
				}
				nothing = nothing && removed.Empty()
				err = derr
			}
			if nothing && err == nil && perr == nil {
				fmt.Fprintln(w, "nothing to clean")
			}
			if perr != nil {
				return fmt.Errorf("clean: %w", perr)
			}
			if err != nil {
				return fmt.Errorf("clean: %w", err)
			}
			return nil
		},
	}
}

// printCleaned says what was (or, with dry, would be) cleaned up after
// each dead run and reports whether there was nothing.
func printCleaned(w io.Writer, cleaned []reaper.Cleaned, dry bool) bool {
	for _, c := range cleaned {
		if dry {
			fmt.Fprintf(w, "would clean up after %s\n", dryText(c))
			continue
		}
		fmt.Fprintf(w, "cleaned up after abandoned %s\n", c)
	}
	return len(cleaned) == 0
}

// dryText describes a dead run before cleaning it.
func dryText(c reaper.Cleaned) string {
	s := fmt.Sprintf("run %s (scalebench pid %d is gone)", c.RunID, c.OwnerPID)
	if len(c.Stopped) == 0 {
		if c.ByGuard {
			return s + ": its guard already stopped what it started; the record would be deleted"
		}
		return s + ": nothing of it is running; its results would be marked abandoned"
	}
	return fmt.Sprintf("%s: would stop %v; its results would be marked abandoned", s, c.Stopped)
}
