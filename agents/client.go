package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client talks to one agent.
type Client struct {
	// Index is the agent's place among the step's agents (its shard).
	Index int
	// URL is the agent's base URL, e.g. http://127.0.0.1:40123.
	URL string
	// Token is sent in TokenHeader.
	Token string
	// HTTP is the client to use (nil: a default one).
	HTTP *http.Client
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// Clock is the result of an NTP-style exchange with an agent.
type Clock struct {
	// Offset is the agent's clock minus the coordinator's.
	Offset time.Duration
	// RoundTrip is the exchange's round trip; the offset is known to
	// within half of it.
	RoundTrip time.Duration
}

// clockRounds is how many exchanges Clock makes; it keeps the one with the
// shortest round trip (the least queueing, so the tightest bound).
const clockRounds = 5

// Clock measures the agent's clock offset: t0 sent, agent's time t1, t3
// received; offset = t1 − (t0+t3)/2, known within ±round trip/2.
func (c *Client) Clock(ctx context.Context) (Clock, error) {
	best := Clock{RoundTrip: -1}
	for range clockRounds {
		t0 := time.Now()
		var cr ClockReply
		if err := c.do(ctx, http.MethodGet, "/clock", nil, &cr); err != nil {
			return Clock{}, err
		}
		t3 := time.Now()
		rtt := t3.Sub(t0)
		mid := t0.Add(rtt / 2)
		if best.RoundTrip < 0 || rtt < best.RoundTrip {
			best = Clock{Offset: time.Unix(0, cr.UnixNano).Sub(mid), RoundTrip: rtt}
		}
	}
	return best, nil
}

// Run sends job and waits for the agent's steps.
func (c *Client) Run(ctx context.Context, job Job) (Reply, error) {
	body, err := json.Marshal(job)
	if err != nil {
		return Reply{}, err
	}
	var r Reply
	if err := c.do(ctx, http.MethodPost, "/run", body, &r); err != nil {
		return Reply{}, err
	}
	if r.Error != "" {
		return r, fmt.Errorf("agent %d: %s", c.Index, r.Error)
	}
	return r, nil
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(TokenHeader, c.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("agent %d (%s): %w", c.Index, c.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("agent %d (%s): reading answer: %w", c.Index, c.URL, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("agent %d (%s): HTTP %d, answer not JSON: %.200s", c.Index, c.URL, resp.StatusCode, b)
	}
	return nil
}
