package nginx

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
)

// Policies a Config accepts.
const (
	RoundRobin = "round_robin"
	LeastConn  = "least_conn"
)

// Config is one balancer: nginx in the foreground (master and one worker)
// listening on Listen and proxying to Upstreams.
type Config struct {
	// Listen is nginx's listen address: "127.0.0.1:8080" (process driver)
	// or "80" (a container, reached through its published port).
	Listen string
	// Upstreams are the instances, host:port each.
	Upstreams []string
	// Policy is RoundRobin (default) or LeastConn.
	Policy string
	// PIDFile is where nginx writes its pid.
	PIDFile string
	// TempDir holds nginx's temporary paths (client_body, proxy, …).
	// nginx creates each of them, but not TempDir itself.
	TempDir string
	// Retries is RetriesDefault (nginx's own defaults), RetriesOn or
	// RetriesOff (see retries.go).
	Retries string
}

// Render returns the nginx.conf text. Upstream keepalive needs HTTP/1.1 and
// an empty Connection header, or nginx opens a connection per request and
// throughput halves; /ws passes the WebSocket upgrade on. Responses never
// spill to temp files (workers run as nobody and may not reach them).
func Render(c Config) ([]byte, error) {
	switch c.Policy {
	case "":
		c.Policy = RoundRobin
	case RoundRobin, LeastConn:
	default:
		return nil, fmt.Errorf("nginx config: policy %q: want %s or %s", c.Policy, RoundRobin, LeastConn)
	}
	if c.Listen == "" || len(c.Upstreams) == 0 || c.PIDFile == "" || c.TempDir == "" {
		return nil, fmt.Errorf("nginx config: listen %q, %d upstreams, pid file %q, temp dir %q: want all set", c.Listen, len(c.Upstreams), c.PIDFile, c.TempDir)
	}
	var b bytes.Buffer
	server, next, err := retryDirectives(c.Retries)
	if err != nil {
		return nil, err
	}
	if err := conf.Execute(&b, struct {
		Config
		LeastConn    bool
		ServerParams string
		NextUpstream []string
	}{c, c.Policy == LeastConn, server, next}); err != nil {
		return nil, fmt.Errorf("nginx config: %w", err)
	}
	return b.Bytes(), nil
}

// TempPaths are the directories under Config.TempDir the configuration
// names; a caller that wants them to exist beforehand creates them.
var TempPaths = []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}

// quote makes s one nginx string token: double-quoted, with the two
// characters nginx unescapes inside quotes (\ and ") escaped, so a path
// holding spaces, quotes, ';', '{' or '#' stays one argument. nginx
// expands variables only in directives that take them; none of the paths
// written here does, so '$' is literal.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

var conf = template.Must(template.New("nginx").Funcs(template.FuncMap{"quote": quote}).Parse(`# written by scalebench
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 65536;
pid {{quote .PIDFile}};
error_log stderr warn;

events {
    worker_connections 32768;
    multi_accept on;
}

http {
    access_log off;
    client_body_temp_path {{quote (print .TempDir "/client_body")}};
    proxy_temp_path {{quote (print .TempDir "/proxy")}};
    fastcgi_temp_path {{quote (print .TempDir "/fastcgi")}};
    uwsgi_temp_path {{quote (print .TempDir "/uwsgi")}};
    scgi_temp_path {{quote (print .TempDir "/scgi")}};
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
        server {{.}}{{$.ServerParams}};
{{- end}}
        keepalive 256;
        keepalive_requests 1000000;
    }

    server {
        listen {{.Listen}} backlog=4096;
        location / {
            proxy_pass http://app;
{{- range .NextUpstream}}
            {{.}}
{{- end}}
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
