package agents

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SwarmLauncher runs agents as Docker Swarm services of Image (one
// single-replica service per agent, so each has its own port) on the host
// network, reachable on 127.0.0.1. The engine must be a swarm manager
// (run --driver swarm makes it one). Services outlive a coordinator that
// is killed, so they carry Labels (the run and the coordinator's pid) for
// `scalebench clean` and the swarm driver's sweep, and agents exit after
// IdleExit without a request.
type SwarmLauncher struct {
	// Image holds the scalebench binary as its entrypoint.
	Image string
	// RunID names the services.
	RunID string
	// Labels go on every service and its containers.
	Labels map[string]string
	// CPU limits each agent's service, in cores (0: none).
	CPU float64
	// IdleExit is passed to the agents (0: 15 minutes).
	IdleExit time.Duration
	// Stderr receives docker's errors (nil: discarded).
	Stderr io.Writer
}

// Where implements Launcher.
func (l SwarmLauncher) Where() string { return "swarm" }

// Start implements Launcher.
func (l SwarmLauncher) Start(ctx context.Context, n int) (*Pool, error) {
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.Swarm.ControlAvailable}}").Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		return nil, fmt.Errorf("agents: --agents-in swarm needs the engine to be a swarm manager (use --driver swarm, which makes a single-node swarm, or docker swarm init --advertise-addr 127.0.0.1)")
	}
	token, err := NewToken()
	if err != nil {
		return nil, err
	}
	name := func(i int) string { return fmt.Sprintf("scalebench-agent-%s-%d", l.RunID, i) }
	p := &Pool{remove: func(i int) { _ = exec.Command("docker", "service", "rm", name(i)).Run() }}
	fail := func(err error) (*Pool, error) { p.closeServices(n); return nil, err }
	for i := range n {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		cmd := exec.CommandContext(ctx, "docker", l.serviceArgs(name(i), token, i, port)...)
		cmd.Stderr = l.Stderr
		if err := cmd.Run(); err != nil {
			return fail(fmt.Errorf("agents: docker service create %s: %w", name(i), err))
		}
		c := &Client{Index: i, URL: "http://127.0.0.1:" + strconv.Itoa(port), Token: token}
		p.Clients = append(p.Clients, c)
		if err := WaitClock(ctx, c, 2*startTimeout); err != nil {
			return fail(fmt.Errorf("agents: swarm agent %d: %w", i, err))
		}
	}
	return p, nil
}

func (l SwarmLauncher) serviceArgs(name, token string, i, port int) []string {
	idle := l.IdleExit
	if idle <= 0 {
		idle = 15 * time.Minute
	}
	args := []string{"service", "create", "--detach", "--quiet", "--name", name, "--network", "host",
		"--restart-condition", "none", "--env", TokenEnv + "=" + token}
	keys := make([]string, 0, len(l.Labels))
	for k := range l.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range append(keys, "scalebench.role") {
		v := l.Labels[k]
		if k == "scalebench.role" {
			v = "agent"
		}
		args = append(args, "--label", k+"="+v, "--container-label", k+"="+v)
	}
	if l.CPU > 0 {
		args = append(args, "--limit-cpu", strconv.FormatFloat(l.CPU, 'f', -1, 64))
	}
	return append(args, l.Image, "agent", "--listen", "127.0.0.1:"+strconv.Itoa(port),
		"--index", strconv.Itoa(i), "--idle-exit", idle.String())
}

// closeServices removes the first n agents' services (those not made are
// skipped by docker with an error we ignore).
func (p *Pool) closeServices(n int) {
	for i := range n {
		p.remove(i)
	}
}

// freePort asks the kernel for a loopback port free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitClock polls the agent until it answers a clock exchange.
func WaitClock(ctx context.Context, c *Client, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Clock(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("did not answer within %s: %w", limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
