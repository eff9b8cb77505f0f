package agents

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Launcher starts n agents and returns them ready for jobs.
type Launcher interface {
	// Start starts agents 0..n-1. On error nothing is left running.
	Start(ctx context.Context, n int) (*Pool, error)
	// Where names where the agents run, for results and warnings.
	Where() string
}

// ReadyPrefix starts the line an agent prints on stdout once it listens;
// the line goes on with the agent's base URL.
const ReadyPrefix = "scalebench agent listening on "

// startTimeout bounds how long an agent may take to say it listens.
const startTimeout = 30 * time.Second

// LocalLauncher runs agents as processes of this machine: Exe agent ….
type LocalLauncher struct {
	// Exe is the scalebench binary (os.Executable() when empty).
	Exe string
	// CPUs, when set, pins agent i to CPUs[i % len(CPUs)].
	CPUs []int
	// Stderr receives the agents' stderr (nil: discarded).
	Stderr io.Writer
}

// Where implements Launcher.
func (l LocalLauncher) Where() string { return "process" }

// Start implements Launcher.
func (l LocalLauncher) Start(ctx context.Context, n int) (*Pool, error) {
	exe := l.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("agents: %w", err)
		}
	}
	return startPool(ctx, n, l.Stderr, func(i int, token string) *exec.Cmd {
		args := []string{"agent", "--listen", "127.0.0.1:0", "--watch-stdin", "--index", strconv.Itoa(i)}
		if len(l.CPUs) > 0 {
			args = append(args, "--cpus", strconv.Itoa(l.CPUs[i%len(l.CPUs)]))
		}
		cmd := exec.Command(exe, args...)
		cmd.Env = append(os.Environ(), TokenEnv+"="+token)
		return cmd
	}, nil)
}

// DockerLauncher runs agents as containers of Image (the app image, whose
// entrypoint is the scalebench binary) on the host network, so they reach
// a target on loopback exactly as a local generator does.
type DockerLauncher struct {
	// Image holds the scalebench binary as its entrypoint.
	Image string
	// RunID labels the containers (scalebench.run) and names them.
	RunID string
	// CPUs, when set, pins agent i to CPUs[i % len(CPUs)] (--cpuset-cpus).
	CPUs []int
	// Labels go on every container (the run and the coordinator's pid, so
	// `scalebench clean` can tell a dead run's agents).
	Labels map[string]string
	// Stderr receives the agents' stderr (nil: discarded).
	Stderr io.Writer
}

// Where implements Launcher.
func (l DockerLauncher) Where() string { return "docker" }

// Start implements Launcher.
func (l DockerLauncher) Start(ctx context.Context, n int) (*Pool, error) {
	name := func(i int) string { return fmt.Sprintf("scalebench-agent-%s-%d", l.RunID, i) }
	return startPool(ctx, n, l.Stderr, func(i int, token string) *exec.Cmd {
		args := []string{"run", "--rm", "-i", "--name", name(i), "--network", "host",
			"--label", "scalebench.run=" + l.RunID, "--label", "scalebench.role=agent", "-e", TokenEnv}
		for k, v := range l.Labels {
			args = append(args, "--label", k+"="+v)
		}
		if len(l.CPUs) > 0 {
			args = append(args, "--cpuset-cpus", strconv.Itoa(l.CPUs[i%len(l.CPUs)]))
		}
		args = append(args, l.Image, "agent", "--listen", "127.0.0.1:0", "--watch-stdin", "--index", strconv.Itoa(i))
		cmd := exec.Command("docker", args...)
		cmd.Env = append(os.Environ(), TokenEnv+"="+token)
		return cmd
	}, func(i int) {
		_ = exec.Command("docker", "rm", "-f", name(i)).Run()
	})
}

// Pool is a set of running agents.
type Pool struct {
	// Clients talk to the agents, Clients[i] to agent i.
	Clients []*Client
	// InCluster is set when the agents run inside the target's cluster
	// (--agents-in kubernetes): they reach a target at its in-cluster
	// address, not at the coordinator's port-forward.
	InCluster bool
	procs     []*proc
	remove    func(i int)        // extra clean-up per agent (containers)
	lost      func(i int) string // why agent i is gone, for agents that are not our processes
	closeAll  func()             // clean-up of agents that are not our processes
	once      sync.Once
}

// NewPool is a pool of agents another package started (the Kubernetes
// driver's Indexed Job): lost says why agent i is gone ("" while it runs)
// and closeAll removes them all; Close calls it once.
func NewPool(clients []*Client, lost func(i int) string, closeAll func()) *Pool {
	return &Pool{Clients: clients, lost: lost, closeAll: closeAll}
}

// proc is one agent process (or the docker client attached to it).
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{} // closed when the process exited
	err   error         // its exit status, once done
}

// startPool starts n agents made by mk, waits for each to say where it
// listens, and stops them all when any fails.
func startPool(ctx context.Context, n int, stderr io.Writer, mk func(i int, token string) *exec.Cmd, remove func(int)) (*Pool, error) {
	token, err := NewToken()
	if err != nil {
		return nil, err
	}
	p := &Pool{remove: remove}
	for i := range n {
		pr, url, err := startOne(ctx, mk(i, token), stderr)
		if pr != nil {
			p.procs = append(p.procs, pr)
		}
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("agents: start agent %d: %w", i, err)
		}
		p.Clients = append(p.Clients, &Client{Index: i, URL: url, Token: token})
	}
	return p, nil
}

func startOne(ctx context.Context, cmd *exec.Cmd, stderr io.Writer) (*proc, string, error) {
	// Own process group, so Close reaches everything; Pdeathsig, so an
	// agent dies with a coordinator that is killed; and the stdin pipe:
	// the agent exits when it closes (--watch-stdin), whatever killed us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	pr := &proc{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if s, ok := strings.CutPrefix(sc.Text(), ReadyPrefix); ok {
				lines <- strings.TrimSpace(s)
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		pr.err = cmd.Wait()
		close(pr.done)
	}()
	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case url := <-lines:
		return pr, url, nil
	case <-pr.done:
		return pr, "", fmt.Errorf("exited before listening: %v", pr.err)
	case <-t.C:
		return pr, "", fmt.Errorf("did not listen within %s", startTimeout)
	case <-ctx.Done():
		return pr, "", ctx.Err()
	}
}

// Lost says why agent i is gone ("" while it runs).
func (p *Pool) Lost(i int) string {
	if p.lost != nil {
		return p.lost(i)
	}
	if i >= len(p.procs) {
		return ""
	}
	select {
	case <-p.procs[i].done:
		return fmt.Sprintf("agent %d exited: %v", i, p.procs[i].err)
	default:
		return ""
	}
}

// Close stops every agent: stdin closed, SIGTERM to its process group,
// SIGKILL after 3 s; containers are removed by name too. Safe to call
// more than once.
func (p *Pool) Close() error {
	p.once.Do(func() {
		if p.closeAll != nil {
			p.closeAll()
		}
		for _, pr := range p.procs {
			_ = pr.stdin.Close()
			_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGTERM)
		}
		deadline := time.Now().Add(3 * time.Second)
		for _, pr := range p.procs {
			select {
			case <-pr.done:
			case <-time.After(time.Until(deadline)):
				_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
				<-pr.done
			}
		}
		if p.remove != nil {
			for i := range max(len(p.procs), len(p.Clients)) {
				p.remove(i)
			}
		}
	})
	return nil
}

// NewToken is a fresh random token for one run's agents.
func NewToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", errors.New("agents: no randomness for a token")
	}
	return hex.EncodeToString(b), nil
}
