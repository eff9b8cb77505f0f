package main

import (
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/app"
)

// serveCommand is the hidden `scalebench serve`: the reference app, one
// instance or (with --workers) a cluster primary. Arguments after `--`
// are passed on to every cluster worker.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run the reference application (used by the process driver)",
		ArgsUsage: "[-- WORKER-ARGS…]",
		Hidden:    true,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1", Usage: "host to listen on"},
			&cli.IntFlag{Name: "port", Usage: "port to listen on (default $PORT, else any free port)"},
			&cli.StringFlag{Name: "id", EnvVars: []string{"SCALEBENCH_INSTANCE_ID"}, Usage: "instance id in responses (default instance-<pid>)"},
			&cli.IntFlag{Name: "workers", Usage: "run a cluster primary with this many worker processes"},
			&cli.StringFlag{Name: "worker-cgroups", Usage: "per worker slot, cgroup dirs to join (slots by ',', dirs by ':')"},
			&cli.IntFlag{Name: "worker", Usage: "cluster worker slot (set by the primary)"},
			&cli.IntFlag{Name: "listen-fd", Usage: "accept on this inherited socket (set by the primary)"},
			&cli.StringFlag{Name: "redis", Usage: "Redis server `ADDR` (host:port) for the Redis-backed modes and --ws-adapter redis"},
			&cli.StringFlag{Name: "ws-adapter", Value: "local", Usage: "WebSocket broadcast across instances: local (this instance only) or redis (pub/sub via --redis, shared with the Redis-backed modes)"},
		}, featureFlags()...),
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			if n := c.Int("workers"); n > 0 {
				return app.RunCluster(ctx, app.ClusterOptions{
					Addr:          c.String("addr"),
					Port:          c.Int("port"),
					Workers:       n,
					ExtraArgs:     c.Args().Slice(),
					WorkerCgroups: app.ParseWorkerCgroups(c.String("worker-cgroups")),
				})
			}
			features, err := featuresFrom(c)
			if err != nil {
				return err
			}
			return app.Serve(ctx, app.Options{
				Features:  features,
				Addr:      c.String("addr"),
				Port:      c.Int("port"),
				ListenFD:  c.Int("listen-fd"),
				ID:        c.String("id"),
				Worker:    c.Int("worker"),
				WebSocket: app.WSOptions{Adapter: c.String("ws-adapter"), RedisAddr: c.String("redis")},
			})
		},
	}
}
