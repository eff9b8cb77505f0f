package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/app/service"
)

// serviceFlags are `serve`'s flags for --mode service (topologies
// microservices and monolith; app/service).
func serviceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "service-graph", Usage: "the target's services as JSON {NAME: {cpu_us, db_us, calls, queue, external, path}}"},
		&cli.StringFlag{Name: "service", Usage: "the service this instance runs (empty: the whole graph in one process, from --entry)"},
		&cli.StringFlag{Name: "entry", Usage: "the service requests arrive at (monolith)"},
		&cli.StringSliceFlag{Name: "call", Usage: "`NAME=URL` of a callee reached over HTTP (repeat)"},
	}
}

// serviceFrom reads serviceFlags (Redis comes from the shared --redis).
func serviceFrom(c *cli.Context) (service.Options, error) {
	o := service.Options{Self: c.String("service"), Entry: c.String("entry"), Redis: c.String("redis"), ID: c.String("id"), Callees: map[string]string{}}
	if c.String("mode") != "service" {
		return o, nil
	}
	g, err := service.ParseGraph(c.String("service-graph"))
	if err != nil {
		return o, fmt.Errorf("--service-graph: %w", err)
	}
	o.Graph = g
	for _, kv := range c.StringSlice("call") {
		name, url, ok := strings.Cut(kv, "=")
		if !ok || name == "" || url == "" {
			return o, fmt.Errorf("--call %q: want NAME=URL", kv)
		}
		o.Callees[name] = strings.TrimSuffix(url, "/")
	}
	return o, nil
}
