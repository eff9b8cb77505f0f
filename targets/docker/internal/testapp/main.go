// Command testapp stands in for `scalebench serve` and `scalebench balance`
// in the docker driver's tests, with the same flags, so the tests can build
// a small static app image without the whole scalebench command.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/scalebench/scalebench/app"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testapp:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: testapp serve|balance [flags]")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1", "listen host")
	port := fs.Int("port", 0, "listen port")
	switch args[0] {
	case "serve":
		id := fs.String("id", "", "instance id")
		workers := fs.Int("workers", 0, "cluster workers")
		fd := fs.Int("listen-fd", 0, "inherited socket")
		worker := fs.Int("worker", 0, "worker slot")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *workers > 0 {
			return app.RunCluster(ctx, app.ClusterOptions{Addr: *addr, Port: *port, Workers: *workers, Stdout: os.Stdout, Stderr: os.Stderr})
		}
		return app.Serve(ctx, app.Options{Addr: *addr, Port: *port, ID: *id, ListenFD: *fd, Worker: *worker})
	case "balance":
		upstream := fs.String("upstream", "", "host:port,…")
		upFile := fs.String("upstream-file", "", "upstream list, re-read on SIGHUP")
		policy := fs.String("policy", "round_robin", "policy")
		noRetry := fs.Bool("no-retry", false, "no retry on the next upstream")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		ups := app.SplitList(*upstream)
		var reload <-chan []string
		if *upFile != "" {
			var err error
			if ups, reload, err = app.WatchUpstreamFile(ctx, *upFile); err != nil {
				return err
			}
		}
		return app.Balance(ctx, app.BalanceOptions{Addr: *addr, Port: *port, Upstreams: ups, Policy: *policy, NoRetry: *noRetry, Reload: reload})
	}
	return fmt.Errorf("unknown command %q", args[0])
}
