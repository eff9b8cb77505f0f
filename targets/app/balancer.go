package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Balancing policies.
const (
	RoundRobin = "round_robin"
	LeastConn  = "least_conn"
)

// BalanceOptions configure the built-in balancer.
type BalanceOptions struct {
	// Addr is the host to listen on (default 127.0.0.1).
	Addr string
	// Port to listen on (0: $PORT, else any free port).
	Port int
	// Upstreams are host:port addresses of the instances.
	Upstreams []string
	// Policy is RoundRobin (default) or LeastConn.
	Policy string
	// Ready, when set, is called with the listening address once accepting.
	Ready func(addr net.Addr)
}

// Balance runs the built-in reverse proxy in front of opts.Upstreams until
// ctx ends. It is the fallback when nginx is not installed; responses keep
// the upstream's X-Scalebench-Instance header.
func Balance(ctx context.Context, opts BalanceOptions) error {
	h, err := NewBalancer(opts.Upstreams, opts.Policy)
	if err != nil {
		return err
	}
	ln, err := listen(Options{Addr: opts.Addr, Port: opts.Port})
	if err != nil {
		return err
	}
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	return serveUntil(ctx, newServer(h), ln)
}

// balancer picks an upstream per request and proxies to it.
type balancer struct {
	policy    string
	upstreams []*upstream
	next      atomic.Uint64
}

// upstream is one instance and its in-flight request count.
type upstream struct {
	proxy    *httputil.ReverseProxy
	inflight atomic.Int64
}

// NewBalancer returns a handler that spreads requests over upstreams
// (host:port) with policy RoundRobin or LeastConn.
func NewBalancer(upstreams []string, policy string) (http.Handler, error) {
	if len(upstreams) == 0 {
		return nil, fmt.Errorf("balance: no upstreams")
	}
	switch policy {
	case "":
		policy = RoundRobin
	case RoundRobin, LeastConn:
	default:
		return nil, fmt.Errorf("balance: policy %q: want %s or %s", policy, RoundRobin, LeastConn)
	}
	tr := newTransport()
	b := &balancer{policy: policy}
	for _, u := range upstreams {
		if _, _, err := net.SplitHostPort(u); err != nil {
			return nil, fmt.Errorf("balance: upstream %q: want host:port: %w", u, err)
		}
		target := &url.URL{Scheme: "http", Host: u}
		p := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host
			},
			Transport:    tr,
			ErrorHandler: proxyError,
		}
		b.upstreams = append(b.upstreams, &upstream{proxy: p})
	}
	return b, nil
}

// newTransport is sized for load: many idle keep-alive connections per
// upstream (like nginx's `keepalive 256`), HTTP/1.1 only.
func newTransport() *http.Transport {
	return &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 90 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
}

// proxyError answers 502 when an upstream cannot be reached.
func proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	http.Error(w, "bad gateway: "+err.Error(), http.StatusBadGateway)
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u := b.pick()
	u.inflight.Add(1)
	defer u.inflight.Add(-1)
	u.proxy.ServeHTTP(w, r)
}

// pick chooses an upstream. Least-connections breaks ties round robin so
// that an idle cluster still spreads requests.
func (b *balancer) pick() *upstream {
	n := uint64(len(b.upstreams))
	start := b.next.Add(1) - 1
	if b.policy == RoundRobin {
		return b.upstreams[start%n]
	}
	best := b.upstreams[start%n]
	bestN := best.inflight.Load()
	for i := uint64(1); i < n; i++ {
		u := b.upstreams[(start+i)%n]
		if c := u.inflight.Load(); c < bestN {
			best, bestN = u, c
		}
	}
	return best
}

// SplitList splits a comma-separated flag value, dropping empty fields.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
