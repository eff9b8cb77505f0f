package docker

import (
	"strconv"

	"github.com/scalebench/scalebench/targets/nginx"
)

// nginxConfPath is where the configuration is uploaded in the nginx
// container; nginxCmd runs nginx with it (the configuration itself says
// `daemon off;`, so no -g).
const nginxConfPath = "/etc/nginx/nginx.conf"

var nginxCmd = []string{"nginx", "-c", nginxConfPath}

// nginxConf is the configuration of an nginx container in front of
// upstreams (host:port), listening on port: the process driver's, from
// targets/nginx (upstream keepalive, the WebSocket upgrade on /ws). The pid
// file and temporary paths live under /tmp so it runs in the official
// image and in the offline one alike.
func nginxConf(upstreams []string, policy string, port int, retries string) ([]byte, error) {
	return nginx.Render(nginx.Config{
		Listen:    strconv.Itoa(port),
		Upstreams: upstreams,
		Policy:    policy,
		PIDFile:   "/tmp/nginx.pid",
		TempDir:   "/tmp",
		Retries:   retries,
	})
}
