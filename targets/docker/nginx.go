package docker

import (
	"bytes"
	"fmt"
)

// nginxConf is the nginx configuration of a balancer in front of
// upstreams (host:port), listening on port. Upstream keepalive with
// HTTP/1.1 and an empty Connection header makes nginx reuse upstream
// connections; without it, it opens one per request and throughput halves.
// Temporary paths and the pid file live under /tmp so the configuration
// runs in the official image and in the offline one alike.
func nginxConf(upstreams []string, policy string, port int) []byte {
	var b bytes.Buffer
	b.WriteString(`# Written by scalebench.
worker_processes auto;
error_log stderr warn;
pid /tmp/nginx.pid;

events {
	worker_connections 4096;
}

http {
	access_log off;
	client_body_temp_path /tmp/nginx-client-body;
	proxy_temp_path /tmp/nginx-proxy;
	fastcgi_temp_path /tmp/nginx-fastcgi;
	uwsgi_temp_path /tmp/nginx-uwsgi;
	scgi_temp_path /tmp/nginx-scgi;

	upstream app {
`)
	if policy == "least_conn" {
		b.WriteString("\t\tleast_conn;\n")
	}
	for _, u := range upstreams {
		fmt.Fprintf(&b, "\t\tserver %s;\n", u)
	}
	fmt.Fprintf(&b, `		keepalive 64;
	}

	server {
		listen %d;
		location / {
			proxy_pass http://app;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host $host;
		}
	}
}
`, port)
	return b.Bytes()
}
