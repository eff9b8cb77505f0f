package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
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
	// NoRetry sends every request to one upstream only: a refused
	// connection answers 502 instead of trying the next upstream.
	NoRetry bool
	// Reload, when set, delivers new upstream lists (host:port each) to
	// put in place while serving (see balance_reload.go).
	Reload <-chan []string
}

// Balance runs the built-in reverse proxy in front of opts.Upstreams until
// ctx ends. It is the fallback when nginx is not installed; responses keep
// the upstream's X-Scalebench-Instance header.
func Balance(ctx context.Context, opts BalanceOptions) error {
	b, err := newBalancer(opts.Upstreams, opts.Policy)
	if err != nil {
		return err
	}
	b.noRetry = opts.NoRetry
	var h http.Handler = b
	if opts.Reload != nil {
		go b.follow(ctx, opts.Reload)
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
	policy  string
	tr      *http.Transport
	list    atomic.Pointer[[]*upstream] // replaced whole on reload
	next    atomic.Uint64
	noRetry bool
}

// upstream is one instance and its in-flight request count.
type upstream struct {
	addr     string
	proxy    *httputil.ReverseProxy
	inflight atomic.Int64
	// downUntil (unix ns) skips an upstream that refused a connection, like
	// nginx's max_fails=1 fail_timeout=10s.
	downUntil atomic.Int64
}

// failTimeout is how long an upstream that refused a connection is skipped.
const failTimeout = 10 * time.Second

// attemptKey carries a request's attempt state to the proxy's error handler.
type attemptKey struct{}

// attempt records whether the proxy failed to connect to the upstream, in
// which case nothing was sent and the request may go to another one.
type attempt struct {
	retryable bool
	dialErr   error
}

// NewBalancer returns a handler that spreads requests over upstreams
// (host:port) with policy RoundRobin or LeastConn.
func NewBalancer(upstreams []string, policy string) (http.Handler, error) {
	return newBalancer(upstreams, policy)
}

func newBalancer(upstreams []string, policy string) (*balancer, error) {
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
	b := &balancer{policy: policy, tr: newTransport()}
	list, err := b.upstreamList(upstreams, nil)
	if err != nil {
		return nil, err
	}
	b.list.Store(&list)
	return b, nil
}

// upstreamList builds upstreams for addrs, keeping those of old with the
// same address (their in-flight counts and down marks).
func (b *balancer) upstreamList(addrs []string, old []*upstream) ([]*upstream, error) {
	var out []*upstream
	for _, u := range addrs {
		if _, _, err := net.SplitHostPort(u); err != nil {
			return nil, fmt.Errorf("balance: upstream %q: want host:port: %w", u, err)
		}
		if i := slices.IndexFunc(old, func(o *upstream) bool { return o.addr == u }); i >= 0 {
			out = append(out, old[i])
			continue
		}
		target := &url.URL{Scheme: "http", Host: u}
		p := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host
			},
			Transport:    b.tr,
			ErrorHandler: proxyError,
		}
		out = append(out, &upstream{addr: u, proxy: p})
	}
	return out, nil
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

// proxyError answers 502 when an upstream cannot be reached — unless the
// connection itself failed and the request can go to another upstream, in
// which case it only records that (nothing was sent, nothing is written).
func proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	var op *net.OpError
	if a, ok := r.Context().Value(attemptKey{}).(*attempt); ok && a.retryable && errors.As(err, &op) && op.Op == "dial" {
		a.dialErr = err
		return
	}
	http.Error(w, "bad gateway: "+err.Error(), http.StatusBadGateway)
}

// ServeHTTP proxies r to an upstream. When an upstream refuses the
// connection it is skipped for failTimeout and a request without a body
// (nothing of it was sent) goes to the next one, as nginx does with
// proxy_next_upstream error: losing one replica costs no request.
func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := &attempt{retryable: !b.noRetry && (r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0)}
	r = r.WithContext(context.WithValue(r.Context(), attemptKey{}, a))
	list := *b.list.Load()
	for range list {
		u := b.pick(list)
		a.dialErr = nil
		u.inflight.Add(1)
		u.proxy.ServeHTTP(w, r)
		u.inflight.Add(-1)
		if a.dialErr == nil {
			return
		}
		u.downUntil.Store(time.Now().Add(failTimeout).UnixNano())
	}
	http.Error(w, "bad gateway: every upstream refused the connection: "+a.dialErr.Error(), http.StatusBadGateway)
}

// pick chooses an upstream. Least-connections breaks ties round robin so
// that an idle cluster still spreads requests.
// Upstreams marked down are skipped while another is up.
func (b *balancer) pick(list []*upstream) *upstream {
	n := uint64(len(list))
	start := b.next.Add(1) - 1
	now := time.Now().UnixNano()
	var best *upstream
	var bestN int64
	for i := range n {
		u := list[(start+i)%n]
		if u.downUntil.Load() > now {
			continue
		}
		if b.policy == RoundRobin {
			return u
		}
		if c := u.inflight.Load(); best == nil || c < bestN {
			best, bestN = u, c
		}
	}
	if best == nil {
		return list[start%n] // all down: try anyway
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
