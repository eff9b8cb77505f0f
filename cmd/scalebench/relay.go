package main

import (
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/targets/swarm"
)

// relayCommand is the hidden `scalebench relay`: a TCP relay the swarm
// driver publishes on 127.0.0.1 in front of a target's balancer service.
func relayCommand() *cli.Command {
	return &cli.Command{
		Name:   "relay",
		Usage:  "relay TCP connections to a host:port (used by the swarm driver)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "0.0.0.0:8080", Usage: "address to listen on"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "host:port to relay each connection to"},
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return swarm.Relay(ctx, c.String("listen"), c.String("to"))
		},
	}
}
