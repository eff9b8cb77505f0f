package process

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// freePorts returns n distinct free ports.
func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, n)
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// baseURL is http://127.0.0.1:port.
func baseURL(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }

// waitReady polls url (GET, every 50 ms) until it answers 2xx or 3xx. It
// fails when one of watch exits first, with that process's log tail, or
// when ctx ends (the startup timeout), with the last error and the logs.
func waitReady(ctx context.Context, url string, watch ...*proc) error {
	client := &http.Client{
		Timeout:       time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	var last error
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, p := range watch {
			if p.exited() {
				return fmt.Errorf("%s exited during startup: %s\n%s", displayName(p.name), exitText(p.waitErr), p.tail())
			}
		}
		last = probe(ctx, client, url)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			var tails []string
			for _, p := range watch {
				tails = append(tails, "--- "+p.name+" ---\n"+p.tail())
			}
			return fmt.Errorf("not ready: GET %s: %v\n%s", url, last, strings.Join(tails, "\n"))
		case <-tick.C:
		}
	}
}

// probe makes one health request.
func probe(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
