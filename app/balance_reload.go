package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// follow puts each upstream list from lists in place until ctx ends, the
// way nginx -s reload does: requests in flight finish on the upstream
// they were sent to, new ones go to the new list.
func (b *balancer) follow(ctx context.Context, lists <-chan []string) {
	for {
		select {
		case <-ctx.Done():
			return
		case addrs, ok := <-lists:
			if !ok {
				return
			}
			if len(addrs) == 0 {
				continue // keep serving: a balancer without upstreams is down
			}
			list, err := b.upstreamList(addrs, *b.list.Load())
			if err != nil {
				fmt.Fprintln(os.Stderr, "scalebench balance: reload:", err)
				continue
			}
			b.list.Store(&list)
		}
	}
}

// ReadUpstreamFile reads a comma- or newline-separated host:port list (the
// balancer's --upstream-file, rewritten by the driver before SIGHUP).
func ReadUpstreamFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("balance: upstream file: %w", err)
	}
	return SplitList(strings.ReplaceAll(string(b), "\n", ",")), nil
}

// WatchUpstreamFile reads the upstream list in path, then reads it again
// on every SIGHUP until ctx ends and sends each new list on the channel
// (for BalanceOptions.Reload). SIGHUP is caught from the moment it
// returns, so a reload can never end the process.
func WatchUpstreamFile(ctx context.Context, path string) ([]string, <-chan []string, error) {
	ups, err := ReadUpstreamFile(path)
	if err != nil {
		return nil, nil, err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	out := make(chan []string)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			}
			list, err := ReadUpstreamFile(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, "scalebench balance:", err)
				continue
			}
			select {
			case out <- list:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ups, out, nil
}

// ServedBy makes one GET of url on a new connection and reports whether
// instance id answered it (its InstanceHeader): how a driver tells that a
// restarted instance or cluster worker serves again.
func ServedBy(ctx context.Context, url, id string) bool {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.Header.Get(InstanceHeader) == id
}
