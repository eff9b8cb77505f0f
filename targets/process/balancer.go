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
	"text/template"
	"time"

	"github.com/scalebench/scalebench/targets/app"
)

// Balancer kinds recorded in results.
const (
	balancerNginx = "nginx"
	balancerGo    = "go"
)

// nginxMissing is the note (and warning) when "auto" falls back to Go.
const nginxMissing = "nginx not found on PATH; using the built-in Go balancer (install nginx: apt-get install -y nginx)"

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
	var p *proc
	if kind == balancerNginx {
		p, err = dep.startNginx(port, ports, policy)
	} else {
		p, err = dep.startGoBalancer(port, ports, policy)
	}
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
	ups := make([]string, len(ports))
	for i, p := range ports {
		ups[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	return dep.startProcess(processSpec{
		component: "balancer",
		argv: []string{exe, "balance", "--port", strconv.Itoa(port),
			"--upstream", strings.Join(ups, ","), "--policy", policy},
		env: os.Environ(),
	})
}

// startNginx writes an nginx config under a private prefix and starts
// nginx in the foreground (master + one worker), logging to stderr.
func (dep *Deployment) startNginx(port int, ports []int, policy string) (*proc, error) {
	bin, err := lookNginx()
	if err != nil {
		return nil, err
	}
	prefix := filepath.Join(dep.logDir, dep.prefix+"-nginx")
	conf, err := writeNginxConf(prefix, port, ports, policy)
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
	})
}

// nginxConf is the balancer configuration. Upstream keepalive needs
// HTTP/1.1 and an empty Connection header, or nginx opens a connection
// per request and throughput halves. Responses never spill to temp files
// (workers run as nobody and may not reach the prefix).
var nginxConf = template.Must(template.New("nginx").Parse(`# written by scalebench; removed with the run's logs
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 65536;
pid {{.Prefix}}/nginx.pid;
error_log stderr warn;

events {
    worker_connections 32768;
    multi_accept on;
}

http {
    access_log off;
    client_body_temp_path {{.Prefix}}/tmp/client_body;
    proxy_temp_path {{.Prefix}}/tmp/proxy;
    fastcgi_temp_path {{.Prefix}}/tmp/fastcgi;
    uwsgi_temp_path {{.Prefix}}/tmp/uwsgi;
    scgi_temp_path {{.Prefix}}/tmp/scgi;
    client_body_buffer_size 1m;
    proxy_max_temp_file_size 0;
    keepalive_requests 1000000;
    keepalive_timeout 120s;

    # WebSocket: pass the upgrade on; plain requests keep Connection ""
    # so upstream keepalive still works.
    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      "";
    }

    upstream app {
{{- if .LeastConn}}
        least_conn;
{{- end}}
{{- range .Upstreams}}
        server 127.0.0.1:{{.}};
{{- end}}
        keepalive 256;
        keepalive_requests 1000000;
    }

    server {
        listen 127.0.0.1:{{.Port}} backlog=4096;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_read_timeout 120s;
        }
        # WebSocket endpoint: upgrade headers, and timeouts longer than any
        # run so idle rooms are not cut by the proxy.
        location /ws {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_buffering off;
        }
    }
}
`))

// writeNginxConf writes prefix/nginx.conf and the temp dirs.
func writeNginxConf(prefix string, port int, ports []int, policy string) (string, error) {
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		if err := os.MkdirAll(filepath.Join(prefix, "tmp", d), 0o755); err != nil {
			return "", fmt.Errorf("nginx prefix: %w", err)
		}
	}
	conf := filepath.Join(prefix, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		return "", fmt.Errorf("write nginx config: %w", err)
	}
	err = nginxConf.Execute(f, struct {
		Prefix    string
		Port      int
		Upstreams []int
		LeastConn bool
	}{prefix, port, ports, policy == app.LeastConn})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
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
