package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	sbredis "github.com/scalebench/scalebench/targets/redis"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/app/queue"
)

// workerCommand is the hidden `scalebench worker`: one queue worker
// process of the queue topology, taking jobs from the Redis Stream until
// SIGTERM. The driver runs it with GOMAXPROCS=1 and an app instance's CPU
// budget, so a worker stands for one Node worker process.
func workerCommand() *cli.Command {
	d := queue.DefaultOptions()
	return &cli.Command{
		Name:   "worker",
		Usage:  "run one queue worker (used by the process driver)",
		Hidden: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "redis", Required: true, Usage: "Redis address host:port"},
			&cli.IntFlag{Name: "concurrency", Value: 1, Usage: "jobs run at once"},
			&cli.DurationFlag{Name: "claim-idle", Value: 5 * time.Second, Usage: "take over jobs pending this long with a dead worker"},
			&cli.StringFlag{Name: "queue-prefix", Value: d.Prefix, Usage: "Redis key prefix of the queue"},
			&cli.StringFlag{Name: "queue-group", Value: d.Group, Usage: "consumer group"},
			&cli.StringFlag{Name: "id", Usage: "consumer name (default worker-<hostname>-<pid>: unique across containers too)"},
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			rdb := sbredis.NewClient(c.String("redis"), c.Int("concurrency")+4, time.Second)
			defer rdb.Close()
			stats, err := queue.Work(ctx, queue.WorkerOptions{
				Redis:       rdb,
				Prefix:      c.String("queue-prefix"),
				Group:       c.String("queue-group"),
				Consumer:    workerID(c.String("id")),
				Concurrency: c.Int("concurrency"),
				ClaimIdle:   c.Duration("claim-idle"),
				Logf:        func(format string, args ...any) { fmt.Fprintf(c.App.ErrWriter, format+"\n", args...) },
			})
			fmt.Fprintf(c.App.ErrWriter, "worker: done %d, claimed %d, duplicates %d, redis errors %d\n", stats.Done, stats.Claimed, stats.Duplicates, stats.Errors)
			return err
		},
	}
}

// workerID is the consumer name: id, else worker-<hostname>-<pid>, so the
// replicas of a Compose worker service (each pid 1 in its own container)
// do not share one name.
func workerID(id string) string {
	if id != "" {
		return id
	}
	host, _ := os.Hostname()
	return "worker-" + host + "-" + strconv.Itoa(os.Getpid())
}
