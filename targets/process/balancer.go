package process

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/targets/nginx"
)

// Balancer kinds recorded in results.
const (
	balancerNginx = "nginx"
	balancerGo    = "go"
)

// nginxMissing is the note (and warning) when "auto" falls back to Go.
const nginxMissing = "fallback: nginx not found on PATH; used the built-in Go balancer (install nginx: apt-get install -y nginx)"

// balancer is a started balancer.
type balancer struct {
	proc   *proc
	port   int
	kind   string
	policy string
}

// startBalancer starts the spec's balancer in front of 127.0.0.1:ports:
// nginx when asked for or (with "auto") installed, else the built-in Go
// reverse proxy, which is noted in the deployment and warned about.
func (dep *Deployment) startBalancer(ports []int) (*balancer, error) {
	return dep.startBalancerWith(ports, dep.startNginx, dep.startGoBalancer)
}

// startBalancerWith resolves the spec's policy and balancer kind, picks a
// port and starts the balancer with nginx or goBalancer.
func (dep *Deployment) startBalancerWith(ports []int, nginx, goBalancer func(port int, ports []int, policy string) (*proc, error)) (*balancer, error) {
	policy := dep.spec.Policy
	switch policy {
	case "":
		policy = app.RoundRobin
	case app.RoundRobin, app.LeastConn:
	default:
		return nil, fmt.Errorf("balancer policy %q: want %s or %s", policy, app.RoundRobin, app.LeastConn)
	}
	kind, err := dep.balancerKind()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	start := goBalancer
	if kind == balancerNginx {
		start = nginx
	}
	p, err := start(port, ports, policy)
	if err != nil {
		return nil, err
	}
	return &balancer{proc: p, port: port, kind: kind, policy: policy}, nil
}

// balancerKind resolves Spec.Balancer to nginx or go.
func (dep *Deployment) balancerKind() (string, error) {
	switch dep.spec.Balancer {
	case "", "auto":
		if _, err := lookNginx(); err == nil {
			return balancerNginx, nil
		}
		dep.driver.warn("%s", nginxMissing)
		dep.addNote(nginxMissing)
		return balancerGo, nil
	case balancerNginx:
		if _, err := lookNginx(); err != nil {
			return "", fmt.Errorf("balancer nginx: %w (install it: apt-get install -y nginx; or use balancer: go)", err)
		}
		return balancerNginx, nil
	case balancerGo:
		return balancerGo, nil
	default:
		return "", fmt.Errorf("balancer %q: want auto, nginx or go", dep.spec.Balancer)
	}
}

// startGoBalancer starts `balance` (the built-in reverse proxy).
func (dep *Deployment) startGoBalancer(port int, ports []int, policy string) (*proc, error) {
	exe, err := dep.driver.exe()
	if err != nil {
		return nil, err
	}
	file, err := dep.writeUpstreamFile(ports)
	if err != nil {
		return nil, err
	}
	argv := []string{exe, "balance", "--port", strconv.Itoa(port), "--upstream-file", file, "--policy", policy}
	if dep.spec.Retries == "off" {
		argv = append(argv, "--no-retry")
	}
	return dep.startProcess(processSpec{component: "balancer", argv: argv, env: os.Environ(), port: port})
}

// startNginx writes an nginx config under a private prefix and starts
// nginx in the foreground (master + one worker), logging to stderr.
func (dep *Deployment) startNginx(port int, ports []int, policy string) (*proc, error) {
	bin, err := lookNginx()
	if err != nil {
		return nil, err
	}
	prefix := filepath.Join(dep.logDir, dep.prefix+"-nginx")
	conf, err := writeNginxConf(prefix, port, ports, policy, dep.spec.Retries)
	if err != nil {
		return nil, err
	}
	if v := nginxVersion(bin); v != "" {
		dep.driver.noteComponent("nginx", v)
		dep.mu.Lock()
		if dep.info.Components == nil {
			dep.info.Components = map[string]string{}
		}
		dep.info.Components["nginx"] = v
		dep.mu.Unlock()
	}
	return dep.startProcess(processSpec{
		component: "nginx",
		argv:      []string{bin, "-p", prefix + "/", "-c", conf, "-e", "stderr"},
		env:       os.Environ(),
		stopSig:   syscall.SIGQUIT,
		port:      port,
	})
}

// writeNginxConf writes prefix/nginx.conf (the configuration every
// scalebench nginx runs, from targets/nginx) and the temp dirs.
func writeNginxConf(prefix string, port int, ports []int, policy, retries string) (string, error) {
	tmp := filepath.Join(prefix, "tmp")
	for _, d := range nginx.TempPaths {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			return "", fmt.Errorf("nginx prefix: %w", err)
		}
	}
	ups := make([]string, len(ports))
	for i, p := range ports {
		ups[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	text, err := nginx.Render(nginx.Config{
		Listen:    "127.0.0.1:" + strconv.Itoa(port),
		Upstreams: ups,
		Policy:    policy,
		PIDFile:   filepath.Join(prefix, "nginx.pid"),
		TempDir:   tmp,
		Retries:   retries,
	})
	if err != nil {
		return "", err
	}
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, text, 0o644); err != nil {
		return "", fmt.Errorf("write nginx config: %w", err)
	}
	return conf, nil
}

// nginxVersion runs `nginx -v` ("nginx version: nginx/1.22.1" on stderr)
// and returns "1.22.1", or "" when it cannot tell.
func nginxVersion(bin string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-v").CombinedOutput()
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(out))
	if _, v, ok := strings.Cut(s, "nginx/"); ok {
		return strings.Fields(v)[0]
	}
	return s
}
