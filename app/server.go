package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// InstanceHeader is the response header naming the instance that served a
// request. The load generator counts responses per instance from it.
const InstanceHeader = "X-Scalebench-Instance"

// Options configure one app instance.
type Options struct {
	// Addr is the host to listen on (default 127.0.0.1).
	Addr string
	// Port to listen on; 0 means $PORT, and when that is unset too, any
	// free port.
	Port int
	// ListenFD, when > 0, is an inherited listening socket to accept on
	// instead of opening one (cluster workers).
	ListenFD int
	// ID names the instance in responses (default "instance-<pid>").
	ID string
	// Worker is the cluster worker slot (0: not a cluster worker).
	Worker int
	// Ready, when set, is called with the listening address once accepting.
	Ready func(addr net.Addr)
	// Features are the Redis-backed endpoints to mount (see features.go).
	Features Features
	// WebSocket configures the /ws endpoint (see websocket.go).
	WebSocket WSOptions
}

// Serve runs one instance until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, opts Options) error {
	ln, err := listen(opts)
	if err != nil {
		return err
	}
	if opts.ID == "" {
		opts.ID = "instance-" + strconv.Itoa(os.Getpid())
	}
	fh, err := newFeatures(ctx, opts.Features)
	if err != nil {
		_ = ln.Close()
		return err
	}
	wse, err := newWSEndpoint(ctx, opts.ID, opts.WebSocket)
	if err != nil {
		_ = ln.Close()
		return closeFeatures(fh, err)
	}
	srv := newServer(wse.wrap(withFeatures(opts.ID, Handler(opts.ID, opts.Worker), fh)))
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	err = serveUntil(ctx, srv, ln)
	return closeFeatures(fh, errors.Join(err, wse.close()))
}

// listen opens the instance's listener from opts.
func listen(opts Options) (net.Listener, error) {
	if opts.ListenFD > 0 {
		f := os.NewFile(uintptr(opts.ListenFD), "listener")
		if f == nil {
			return nil, fmt.Errorf("listen: invalid inherited fd %d", opts.ListenFD)
		}
		defer f.Close()
		ln, err := net.FileListener(f)
		if err != nil {
			return nil, fmt.Errorf("listen on inherited fd %d: %w", opts.ListenFD, err)
		}
		return ln, nil
	}
	port, err := resolvePort(opts.Port)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// resolvePort returns port, or $PORT when port is 0.
func resolvePort(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	env := os.Getenv("PORT")
	if env == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(env)
	if err != nil || p < 0 || p > 65535 {
		return 0, fmt.Errorf("PORT=%q: not a port number", env)
	}
	return p, nil
}

// newServer returns an http.Server tuned for load tests: bounded header
// reads and idle connections kept long enough for keep-alive pools.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// serveUntil serves on ln until ctx ends, then drains in-flight requests
// for up to 1.5 s (drivers send SIGKILL about 2 s after SIGTERM).
func serveUntil(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serr)
	}
	return nil
}
