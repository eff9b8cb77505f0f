package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/targets"
)

func targetsCommand() *cli.Command {
	return &cli.Command{
		Name:  "targets",
		Usage: "list the built-in topologies and what each models",
		Action: func(c *cli.Context) error {
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TOPOLOGY\tWHAT IT IS\tMODELS")
			for _, t := range targets.Catalog {
				fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.Summary, t.Models)
			}
			fmt.Fprintln(w, "command\tyour own server: `command: [...]`, started with PORT set; replicas > 1 go behind a balancer\t")
			fmt.Fprintln(w, "url\ta service already running: `url: http://127.0.0.1:8080` (remote hosts need allow_remote: true)\t")
			return w.Flush()
		},
	}
}
