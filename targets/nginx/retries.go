package nginx

import "fmt"

// Retry settings of a Config: how nginx reacts to an upstream that fails.
const (
	// RetriesDefault keeps nginx's defaults: max_fails=1 fail_timeout=10s,
	// proxy_next_upstream error timeout.
	RetriesDefault = ""
	// RetriesOn turns on passive health checks with a short timeout
	// (max_fails=1 fail_timeout=2s: a failed upstream is skipped for 2 s,
	// then tried again) and retries idempotent requests on the next
	// upstream on a connection error, a timeout, 502 or 503, at most 3 times.
	RetriesOn = "on"
	// RetriesOff sends every request to one upstream whatever happens
	// (proxy_next_upstream off) and never marks an upstream down
	// (max_fails=0): what a balancer without health checks does.
	RetriesOff = "off"
)

// retryDirectives returns the parameters of each upstream server line and
// the directives of the proxied location for a retry setting.
func retryDirectives(retries string) (server string, location []string, err error) {
	switch retries {
	case RetriesDefault:
		return "", nil, nil
	case RetriesOn:
		return " max_fails=1 fail_timeout=2s", []string{
			"proxy_next_upstream error timeout http_502 http_503;",
			"proxy_next_upstream_tries 3;",
		}, nil
	case RetriesOff:
		return " max_fails=0", []string{"proxy_next_upstream off;"}, nil
	}
	return "", nil, fmt.Errorf("nginx config: retries %q: want %q, %q or %q", retries, RetriesDefault, RetriesOn, RetriesOff)
}
