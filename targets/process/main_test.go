package process

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app"
)

// execEnv makes the test binary act as `scalebench serve/balance` (and a
// few misbehaving servers), so the tests do not depend on cmd/ building.
const execEnv = "SCALEBENCH_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(execEnv) == "1" {
		if err := runApp(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Setenv(execEnv, "1")
	os.Exit(m.Run())
}

// runApp mirrors cmd/scalebench's serve and balance commands.
func runApp(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no mode")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if mode, ok := serviceTestMode(args); ok {
		return runServiceTestMode(ctx, mode, args[1:]) // microservices_test.go
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1", "")
	port := fs.Int("port", 0, "")
	id := fs.String("id", "", "")
	workers := fs.Int("workers", 0, "")
	cgroups := fs.String("worker-cgroups", "", "")
	worker := fs.Int("worker", 0, "")
	fd := fs.Int("listen-fd", 0, "")
	upstream := fs.String("upstream", "", "")
	policy := fs.String("policy", app.RoundRobin, "")
	upFile := fs.String("upstream-file", "", "")
	noRetry := fs.Bool("no-retry", false, "")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "serve":
		if *workers > 0 {
			return app.RunCluster(ctx, app.ClusterOptions{Addr: *addr, Port: *port, Workers: *workers,
				ExtraArgs: fs.Args(), WorkerCgroups: app.ParseWorkerCgroups(*cgroups)})
		}
		return app.Serve(ctx, app.Options{Addr: *addr, Port: *port, ID: *id, Worker: *worker, ListenFD: *fd})
	case "balance":
		ups := app.SplitList(*upstream)
		var reload <-chan []string
		if *upFile != "" {
			var err error
			if ups, reload, err = app.WatchUpstreamFile(ctx, *upFile); err != nil {
				return err
			}
		}
		return app.Balance(ctx, app.BalanceOptions{Addr: *addr, Port: *port,
			Upstreams: ups, Policy: *policy, NoRetry: *noRetry, Reload: reload})
	case "fail":
		fmt.Fprintln(os.Stderr, "boom: bad config at line 3")
		os.Exit(2)
	case "hang":
		// Never listens and ignores SIGTERM: only SIGKILL ends it.
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(time.Minute)
	case "crash":
		// Serves briefly, then dies.
		go func() { time.Sleep(500 * time.Millisecond); os.Exit(3) }()
		return app.Serve(ctx, app.Options{Addr: *addr, Port: *port, ID: *id})
	case "pinself":
		gen, _ := Placement()
		if err := PinSelf(gen); err != nil {
			return err
		}
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		var masks []string
		for _, e := range ents {
			b, err := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
			if err != nil {
				continue
			}
			masks = append(masks, field(string(b), "Cpus_allowed_list"))
		}
		fmt.Println(strings.Join(masks, " "))
	default:
		return fmt.Errorf("unknown mode %q", args[0])
	}
	return nil
}

// field returns the value of "Name:\tvalue" in a /proc status file.
func field(status, name string) string {
	for _, line := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
