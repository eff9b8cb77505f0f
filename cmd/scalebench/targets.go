package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/targets"
)

// targetsWidth is the width `scalebench targets` wraps its text to.
const targetsWidth = 100

func targetsCommand() *cli.Command {
	return &cli.Command{
		Name:  "targets",
		Usage: "list the built-in topologies and what each models",
		Action: func(c *cli.Context) error {
			w := c.App.Writer
			for _, t := range targets.Catalog {
				printTarget(w, t.Name, t.Summary, t.Models)
			}
			printTarget(w, "command", "your own server: `command: [...]`, started with PORT set; replicas > 1 go behind a balancer", "")
			printTarget(w, "url", "a service already running: `url: http://127.0.0.1:8080` (remote hosts need allow_remote: true)", "")
			return nil
		},
	}
}

// printTarget prints one topology as a name and its indented, wrapped
// description and model.
func printTarget(w io.Writer, name, summary, models string) {
	fmt.Fprintln(w, name)
	for _, l := range wrap(summary, targetsWidth-4) {
		fmt.Fprintln(w, "    "+l)
	}
	for i, l := range wrap(models, targetsWidth-12) {
		prefix := "    models: "
		if i > 0 {
			prefix = strings.Repeat(" ", len(prefix))
		}
		fmt.Fprintln(w, prefix+l)
	}
	fmt.Fprintln(w)
}

// wrap breaks s into lines of at most width runes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	var cur []rune
	for _, word := range strings.Fields(s) {
		wr := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(wr) > width {
			lines = append(lines, string(cur))
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, wr...)
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}
