package runner

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scalebench/scalebench/secrets"
)

// healthTimeout bounds the health check of a url: target: the service is
// supposed to be running already, so it gets a few tries, not a start-up
// wait.
const healthTimeout = 3 * time.Second

// checkURLHealth asks a running service (a url: target) whether it is
// there before any load is sent to it: GET base+path must answer, with a
// status below 500 for the default path "/" (any page proves the service
// is up) and 2xx or 3xx for a health path the scenario gave. It returns
// why not, with the URL redacted, or nil.
func checkURLHealth(ctx context.Context, base, path string) error {
	if path == "" {
		path = "/"
	}
	u := strings.TrimSuffix(base, "/") + path
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var last error
	for {
		last = healthOnce(ctx, client, u, path)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("health check GET %s failed: %v (is the service running? check health:, or skip with --no-health-check)", secrets.URL(u), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func healthOnce(ctx context.Context, client *http.Client, u, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		// The client's error quotes the URL; say only what went wrong.
		if ue, ok := err.(interface{ Unwrap() error }); ok && ue.Unwrap() != nil {
			return ue.Unwrap()
		}
		return err
	}
	resp.Body.Close()
	switch {
	case path == "/" && resp.StatusCode < 500:
		return nil
	case resp.StatusCode >= 200 && resp.StatusCode < 400:
		return nil
	}
	return fmt.Errorf("status %s", resp.Status)
}
