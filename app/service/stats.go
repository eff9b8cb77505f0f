package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// StatsPath is where an instance serves its cumulative figures (Stats).
const StatsPath = "/_scalebench/services"

// Histogram bounds (microseconds): 1 µs to 10 min, 2 significant digits
// (1% buckets keep the encoding small; it is read twice per step).
const (
	histLow, histHigh = 1, 600_000_000
	histDigits        = 2
)

// Stats is what GET StatsPath answers: one instance's cumulative figures.
type Stats struct {
	// Instance is the instance id; Service the service it runs ("" in a
	// monolith, which runs them all).
	Instance string `json:"instance"`
	Service  string `json:"service"`
	// CPUSeconds is the process's CPU time (user+system) so far.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Services holds the figures of each service this instance served.
	Services map[string]ServiceStats `json:"services"`
}

// ServiceStats are one service's cumulative figures in one instance.
type ServiceStats struct {
	// Requests is requests (or jobs) handled; Errors those that failed.
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// Latency, Self and QueueWait are HDR histograms in µs, base64 of the
	// V2 compressed encoding: time in the service, that minus the time
	// waiting on callees, and (queue consumers) enqueue to start.
	Latency   string `json:"latency"`
	Self      string `json:"self"`
	QueueWait string `json:"queue_wait,omitempty"`
	// WaitUs is the summed time spent waiting on callees.
	WaitUs int64 `json:"wait_us"`
	// BurnUs is the CPU time of the requests' work (thread CPU).
	BurnUs int64 `json:"burn_us"`
	// Calls counts calls (or enqueues) made to each callee, successful or
	// not; Failed the ones that failed.
	Calls  map[string]uint64 `json:"calls,omitempty"`
	Failed map[string]uint64 `json:"failed,omitempty"`
	// QueueDepth is the jobs waiting in this service's stream now (queue
	// consumers; -1 when Redis did not answer).
	QueueDepth int64 `json:"queue_depth,omitempty"`
}

// counters is one service's live figures.
type counters struct {
	mu                sync.Mutex
	requests, errors  uint64
	latency, self, qw *hdrhistogram.Histogram
	waitUs, burnUs    int64
	calls, failed     map[string]uint64
}

func newCounters() *counters {
	return &counters{
		latency: newHist(), self: newHist(), qw: newHist(),
		calls: map[string]uint64{}, failed: map[string]uint64{},
	}
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histLow, histHigh, histDigits) }

// span is what one request did, recorded when it ends.
type span struct {
	total, wait, burn, queueWait time.Duration
	queued, failed               bool
	calls, failedCalls           []string
}

func (c *counters) record(s span) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests++
	if s.failed {
		c.errors++
	}
	_ = c.latency.RecordValue(clampUs(s.total))
	_ = c.self.RecordValue(clampUs(s.total - s.wait))
	if s.queued {
		_ = c.qw.RecordValue(clampUs(s.queueWait))
	}
	c.waitUs += s.wait.Microseconds()
	c.burnUs += s.burn.Microseconds()
	for _, n := range s.calls {
		c.calls[n]++
	}
	for _, n := range s.failedCalls {
		c.failed[n]++
	}
}

func (c *counters) snapshot() (ServiceStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := ServiceStats{Requests: c.requests, Errors: c.errors, WaitUs: c.waitUs, BurnUs: c.burnUs,
		Calls: cloneCounts(c.calls), Failed: cloneCounts(c.failed)}
	var err error
	if out.Latency, err = encode(c.latency); err != nil {
		return out, err
	}
	if out.Self, err = encode(c.self); err != nil {
		return out, err
	}
	if c.qw.TotalCount() > 0 {
		out.QueueWait, err = encode(c.qw)
	}
	return out, err
}

func encode(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

func cloneCounts(m map[string]uint64) map[string]uint64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func clampUs(d time.Duration) int64 {
	return min(max(d.Microseconds(), histLow), histHigh)
}

// processCPU is this process's CPU time so far (every thread).
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// ReadStats fetches the figures of the instance at base (http://HOST:PORT).
func ReadStats(ctx context.Context, client *http.Client, base string) (Stats, error) {
	var st Stats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+StatsPath, nil)
	if err != nil {
		return st, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("%s%s: %s", base, StatsPath, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("%s%s: %w", base, StatsPath, err)
	}
	return st, nil
}
