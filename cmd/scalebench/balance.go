package main

import (
	"fmt"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/app"
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
			&cli.StringFlag{Name: "upstream", Usage: "comma-separated host:port list of instances"},
			&cli.StringFlag{Name: "upstream-file", Usage: "file holding the upstream list, read at start and again on SIGHUP"},
			&cli.StringFlag{Name: "policy", Value: app.RoundRobin, Usage: "round_robin or least_conn"},
			&cli.BoolFlag{Name: "no-retry", Usage: "answer 502 when an upstream refuses instead of trying the next one"},
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			ups := app.SplitList(c.String("upstream"))
			var reload <-chan []string
			if f := c.String("upstream-file"); f != "" {
				var err error
				if ups, reload, err = app.WatchUpstreamFile(ctx, f); err != nil {
					return err
				}
			}
			if len(ups) == 0 {
				return fmt.Errorf("balance: give --upstream or --upstream-file")
			}
			return app.Balance(ctx, app.BalanceOptions{
				Addr:      c.String("addr"),
				Port:      c.Int("port"),
				Upstreams: ups,
				Policy:    c.String("policy"),
				NoRetry:   c.Bool("no-retry"),
				Reload:    reload,
			})
		},
	}
}
