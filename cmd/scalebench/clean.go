package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/targets/docker"
)

func cleanCommand() *cli.Command {
	return &cli.Command{
		Name:  "clean",
		Usage: "remove Docker containers and networks left by scalebench runs that are no longer running",
		Description: "Every container and network scalebench starts is labelled scalebench=1 and scalebench.run=<run id>,\n" +
			"with the pid of the scalebench process that owns it. clean removes those whose process is gone\n" +
			"(a crashed or killed run); --all removes every one, including runs still in progress.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Usage: "also remove resources of runs still alive and of other hosts"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what would be removed"},
		},
		Action: func(c *cli.Context) error {
			pool, err := docker.Connect(c.Context, "")
			if err != nil {
				return err
			}
			if !c.Bool("dry-run") {
				if err := cleanSwarm(c.Context, c.App.Writer, c.Bool("all")); err != nil {
					return err
				}
			}
			removed, err := docker.Clean(c.Context, pool, docker.CleanOptions{All: c.Bool("all"), DryRun: c.Bool("dry-run")})
			verb := "removed"
			if c.Bool("dry-run") {
				verb = "would remove"
			}
			for _, name := range removed.Containers {
				fmt.Fprintf(c.App.Writer, "%s container %s\n", verb, name)
			}
			for _, name := range removed.Networks {
				fmt.Fprintf(c.App.Writer, "%s network %s\n", verb, name)
			}
			if removed.Empty() && err == nil {
				fmt.Fprintln(c.App.Writer, "nothing to clean")
			}
			if err != nil {
				return fmt.Errorf("clean: %w", err)
			}
			return nil
		},
	}
}
