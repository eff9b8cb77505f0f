package main

import (
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/targets/app"
)

// balanceCommand is the hidden `scalebench balance`: the built-in Go
// reverse proxy used when nginx is not installed or not wanted.
func balanceCommand() *cli.Command {
	return &cli.Command{
		Name:   "balance",
		Usage:  "run the built-in load balancer (used by the process driver)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1", Usage: "host to listen on"},
			&cli.IntFlag{Name: "port", Usage: "port to listen on (default $PORT, else any free port)"},
			&cli.StringFlag{Name: "upstream", Required: true, Usage: "comma-separated host:port list of instances"},
			&cli.StringFlag{Name: "policy", Value: app.RoundRobin, Usage: "round_robin or least_conn"},
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return app.Balance(ctx, app.BalanceOptions{
				Addr:      c.String("addr"),
				Port:      c.Int("port"),
				Upstreams: app.SplitList(c.String("upstream")),
				Policy:    c.String("policy"),
			})
		},
	}
}
