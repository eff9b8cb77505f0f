package flow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// instanceHeader names the serving instance (set by the reference app).
const instanceHeader = "X-Scalebench-Instance"

// runner holds what every flow instance of one Run shares.
type runner struct {
	cfg     Config
	base    string
	tr      *http.Transport
	regexes map[string]*regexp.Regexp // by expression
	accs    []*flowAcc
	slices  *timeSlices
	// undrawn counts scheduled flows never picked because the schedule
	// was cut short.
	undrawn uint64
}

// Run starts flows at cfg.Rate for cfg.Duration, waits for those in
// progress to finish, and returns what was measured. When ctx ends it
// stops at once (requests in flight are cancelled and counted as
// "cancelled") and returns the figures so far with ctx's error.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, fmt.Errorf("flow: %w", err)
	}
	if cfg.MaxConcurrent == 0 {
		cfg.MaxConcurrent = defaultMaxConcurrent
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = defaultMaxBody
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	r := &runner{
		cfg:  cfg,
		base: strings.TrimRight(cfg.BaseURL, "/"),
		tr: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        cfg.MaxConcurrent,
			MaxIdleConnsPerHost: cfg.MaxConcurrent,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		regexes: map[string]*regexp.Regexp{},
	}
	defer r.tr.CloseIdleConnections()
	for i := range cfg.Flows {
		r.accs = append(r.accs, newFlowAcc(cfg.Flows[i]))
		for j := range cfg.Flows[i].Steps {
			for _, c := range cfg.Flows[i].Steps[j].Capture {
				if c.Regex != "" {
					r.regexes[c.Regex] = regexp.MustCompile(c.Regex) // checked by Validate
				}
			}
		}
	}
	start := time.Now()
	r.slices = newTimeSlices(start, cfg.Duration)
	err := r.schedule(ctx, start)
	elapsed := time.Since(start)
	res := Result{Rate: cfg.Rate, DurationS: cfg.Duration.Seconds(), ElapsedS: elapsed.Seconds(),
		Scheduled: r.undrawn, Unsent: r.undrawn, Sections: r.slices.result(elapsed)}
	for i, f := range cfg.Flows {
		fs := r.accs[i].stats(f)
		res.Scheduled += fs.Scheduled
		res.Started += fs.Started
		res.Unsent += fs.Unsent
		res.Completed += fs.Completed
		res.Failed += fs.Failed
		res.Flows = append(res.Flows, fs)
	}
	return res, err
}

// schedule starts flow k at start + k/Rate, each in its own goroutine
// once a slot is free, and waits for all of them.
func (r *runner) schedule(ctx context.Context, start time.Time) error {
	cfg := r.cfg
	total := uint64(cfg.Rate * cfg.Duration.Seconds())
	end := start.Add(cfg.Duration)
	rnd := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed>>1|1))
	weights, sum := make([]int, len(cfg.Flows)), 0
	for i, f := range cfg.Flows {
		w := f.Weight
		if w == 0 {
			w = 1
		}
		sum += w
		weights[i] = sum
	}
	slots := make(chan struct{}, cfg.MaxConcurrent)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for k := range total {
		fi := pick(rnd, weights, sum)
		acc := r.accs[fi]
		acc.mu.Lock()
		acc.scheduled++
		acc.mu.Unlock()
		intended := start.Add(time.Duration(float64(k) / cfg.Rate * float64(time.Second)))
		if err := sleepUntil(ctx, timer, intended); err != nil {
			r.unsent(fi, total-k)
			return err
		}
		if err := acquire(ctx, timer, slots, end); err != nil {
			r.unsent(fi, total-k)
			if errors.Is(err, errScheduleOver) {
				return nil
			}
			return err
		}
		acc.mu.Lock()
		acc.started++
		acc.mu.Unlock()
		seed := rnd.Uint64()
		wg.Go(func() {
			defer func() { <-slots }()
			r.runFlow(ctx, fi, k, intended, seed)
		})
	}
	return nil
}

// unsent counts n flows that will not start: the current one, flow fi
// (already counted as scheduled), and n−1 never drawn.
func (r *runner) unsent(fi int, n uint64) {
	a := r.accs[fi]
	a.mu.Lock()
	defer a.mu.Unlock()
	a.unsent++
	r.undrawn = n - 1
}

var errScheduleOver = errors.New("schedule over")

// acquire takes a slot, waiting at most until end (errScheduleOver) or
// until ctx ends. timer is stopped and drained on entry and on return.
func acquire(ctx context.Context, timer *time.Timer, slots chan struct{}, end time.Time) error {
	select {
	case slots <- struct{}{}:
		return nil
	default:
	}
	timer.Reset(time.Until(end))
	select {
	case slots <- struct{}{}:
		if !timer.Stop() {
			<-timer.C
		}
		return nil
	case <-timer.C:
		return errScheduleOver
	case <-ctx.Done():
		if !timer.Stop() {
			<-timer.C
		}
		return ctx.Err()
	}
}

func pick(rnd *rand.Rand, cum []int, sum int) int {
	if len(cum) == 1 {
		return 0
	}
	x := rnd.IntN(sum)
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

// sleepUntil waits until t using timer (stopped and drained), or ctx ends.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		if !timer.Stop() {
			<-timer.C
		}
		return ctx.Err()
	}
}

// runFlow runs one instance of flow fi intended to start at intended.
func (r *runner) runFlow(ctx context.Context, fi int, seq uint64, intended time.Time, seed uint64) {
	f := r.cfg.Flows[fi]
	acc := r.accs[fi]
	jar, _ := cookiejar.New(nil) // never fails without options
	client := &http.Client{
		Transport: r.tr, Jar: jar, Timeout: r.cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	vars := make(map[string]string, len(r.cfg.Vars)+3)
	for k, v := range r.cfg.Vars {
		vars[k] = v
	}
	vars["flow.seq"] = strconv.FormatUint(seq, 10)
	vars["flow.name"] = f.Name
	vars["flow.rand"] = strconv.FormatUint(seed, 10)
	prev := intended
	for i, s := range f.Steps {
		due := prev.Add(s.Think)
		if s.Think > 0 {
			t := time.NewTimer(time.Until(due))
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		end, kind := r.step(ctx, client, s, vars, due, acc.steps[i])
		if kind != "" {
			acc.mu.Lock()
			acc.fail++
			acc.mu.Unlock()
			for _, rest := range acc.steps[i+1:] {
				rest.mu.Lock()
				rest.skipped++
				rest.mu.Unlock()
			}
			return
		}
		prev = end
	}
	acc.mu.Lock()
	acc.completed++
	acc.dur.add(prev.Sub(intended))
	acc.mu.Unlock()
}

// step sends one request, records it, and applies its captures to vars.
// It returns when the response ended and the error kind ("" for success).
func (r *runner) step(ctx context.Context, client *http.Client, s Step, vars map[string]string, due time.Time, acc *stepAcc) (time.Time, string) {
	method := s.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	b := expand(s.Body, vars)
	if b != "" {
		body = strings.NewReader(b)
	}
	sent := time.Now()
	req, err := http.NewRequestWithContext(ctx, method, r.base+expand(s.Path, vars), body)
	if err != nil {
		acc.record(0, 0, "other", "")
		return sent, "other"
	}
	for k, v := range s.Headers {
		req.Header.Set(k, expand(v, vars))
	}
	if b != "" && req.Header.Get("Content-Type") == "" && (b[0] == '{' || b[0] == '[') {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		end := time.Now()
		kind := classify(err)
		if ctx.Err() != nil {
			kind = "cancelled" // the run ended, whatever the transport said
		}
		acc.record(end.Sub(due), end.Sub(sent), kind, "")
		r.slices.record(end, end.Sub(due), kind != "")
		return end, kind
	}
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, r.cfg.MaxBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4*r.cfg.MaxBody)) // keep the connection reusable
	_ = resp.Body.Close()
	end := time.Now()
	kind := ""
	switch {
	case rerr != nil:
		kind = classify(rerr)
	case s.Expect.Status != 0 && resp.StatusCode != s.Expect.Status:
		kind = "expect_status"
		if resp.StatusCode >= 400 {
			kind = statusKind(resp.StatusCode)
		}
	case s.Expect.Status == 0 && resp.StatusCode >= 400:
		kind = statusKind(resp.StatusCode)
	}
	if kind == "" {
		for name, c := range s.Capture {
			v, err := capture(c, r.regexes[c.Regex], resp, data)
			if err != nil {
				kind = "capture"
				break
			}
			vars[name] = v
		}
	}
	if r.cfg.Observe != nil {
		r.cfg.Observe(uint16(resp.StatusCode), resp.Header)
	}
	acc.record(end.Sub(due), end.Sub(sent), kind, resp.Header.Get(instanceHeader))
	r.slices.record(end, end.Sub(due), kind != "")
	return end, kind
}
