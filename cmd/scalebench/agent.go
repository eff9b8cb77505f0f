package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/agents"
	"github.com/scalebench/scalebench/targets/process"
)

// agentCommand is the hidden `scalebench agent`: one load generator agent
// of `run --generators N`. It listens for the coordinator's jobs (its
// share of each step) and answers with the steps it measured, HDR
// histograms included (see docs/distributed.md).
func agentCommand() *cli.Command {
	return &cli.Command{
		Name:   "agent",
		Usage:  "run one load generator agent (started by run --generators)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:0", Usage: "address to listen on (a non-loopback one needs " + agents.TokenEnv + ")"},
			&cli.BoolFlag{Name: "watch-stdin", Usage: "exit when stdin closes (the coordinator holds its other end)"},
			&cli.StringFlag{Name: "cpus", Usage: "pin the agent to these CPUs, e.g. 0 or 0,1"},
			&cli.DurationFlag{Name: "idle-exit", Usage: "exit after this long without a request from the coordinator (0: never)"},
			&cli.IntFlag{Name: "index", EnvVars: []string{"JOB_COMPLETION_INDEX"}, Usage: "the agent's index (a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX)"},
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return runAgent(ctx, c)
		},
	}
}

func runAgent(ctx context.Context, c *cli.Context) error {
	token := os.Getenv(agents.TokenEnv)
	ln, err := net.Listen("tcp", c.String("listen"))
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); token == "" && !net.ParseIP(host).IsLoopback() {
		ln.Close()
		return fmt.Errorf("agent: listening on %s (not loopback) needs a token in %s", ln.Addr(), agents.TokenEnv)
	}
	srv := &agents.Server{Token: token, IdleExit: c.Duration("idle-exit")}
	if s := c.String("cpus"); s != "" {
		cpus, err := parseCPUList(s)
		if err != nil {
			return fmt.Errorf("agent: --cpus: %w", err)
		}
		if err := process.PinSelf(cpus); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
		srv.CPUs = len(cpus)
	}
	if c.Bool("watch-stdin") {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			cancel()
		}()
	}
	fmt.Fprintf(c.App.Writer, "%shttp://%s\n", agents.ReadyPrefix, ln.Addr())
	return srv.Serve(ctx, ln)
}

// parseCPUList reads "0,2,3" into CPU numbers.
func parseCPUList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a list of CPU numbers", s)
		}
		out = append(out, n)
	}
	return out, nil
}
