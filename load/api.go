package load

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/scalebench/scalebench/netsafe"
	"github.com/scalebench/scalebench/results"
)

// Request is one kind of request the generator sends, picked by weight.
type Request struct {
	Name    string
	Method  string
	Path    string // joined to Config.BaseURL
	Headers http.Header
	Body    []byte
	Weight  int
}

// Config is fixed for one target.
type Config struct {
	// BaseURL is the target's endpoint, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Requests to send, chosen by weight.
	Requests []Request
	// Timeout of one request; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxWorkers caps concurrent requests (and connections) in the open
	// model; 0 means DefaultMaxWorkers.
	MaxWorkers int
	// GeneratorCPUs is how many CPUs the generator may use (for saturation
	// checks); 0 means runtime.NumCPU().
	GeneratorCPUs int
	// Sample, when set, reads the target's cumulative resource use; the
	// generator calls it about once a second during a phase.
	Sample func(ctx context.Context) (Usage, error)
	// Observe, when set, is called about once a second with live figures
	// (for progress bars). It must not block.
	Observe func(Live)
	// AllowRemote permits a BaseURL whose host is not loopback (the
	// scenario's allow_remote). Without it New refuses such a target.
	AllowRemote bool
	// Meter, when set, returns a new Meter for each step; every response's
	// headers are passed to the Meter of the step it belongs to, and its
	// Extra figures land in results.Step.Extra. Unset, nothing is done per
	// response.
	Meter func() Meter
	// Engine is the HTTP client engine: EngineAuto (or ""), EngineNetHTTP
	// or EngineFast (see docs/load.md). Generator.Engine says which runs.
	Engine string
	// TimelineHistograms keeps each timeline point's latency histogram in
	// results.Point.Histogram (generator agents, whose timelines are then
	// merged exactly). Off, points carry only their summary.
	TimelineHistograms bool
}

// Meter aggregates topology-specific figures from response headers (a
// cache's hit/miss header, a queue's job id), one Meter per step.
// Observe is called from the generator's single consumer goroutine and
// must be cheap; Finish is called once, when the step's counts are set,
// with its elapsed time, and puts the meter's figures into the step's
// typed section (or Extra).
type Meter interface {
	Observe(code uint16, h http.Header)
	Finish(st *results.Step, elapsed time.Duration)
}

// Defaults for zero Config fields.
const (
	DefaultMaxWorkers = 256
	DefaultTimeout    = 30 * time.Second
	// DefaultWindows is how many steps a ramp is cut into by default.
	DefaultWindows = 10
)

// Usage is a target's cumulative resource use (see targets.Usage).
type Usage struct {
	CPUSeconds float64
	RSSBytes   uint64
}

// Phase is one load level, or a ramp cut into windows.
type Phase struct {
	// Index of the first step this phase produces.
	Index int
	// Model is "open" or "closed".
	Model string
	// Rate is the arrival rate (open), or the ramp's starting rate.
	Rate float64
	// RampTo > 0 makes the phase a linear ramp from Rate to RampTo.
	RampTo float64
	// Windows is how many steps a ramp is cut into (default 10).
	Windows int
	// Concurrency is the number of concurrent clients (closed).
	Concurrency int
	// Duration of the phase.
	Duration time.Duration
	// Discard marks a warm-up: run it, but its figures are not kept.
	Discard bool
	// Shard, when Count > 1, sends only this agent's share of an open
	// phase's arrivals (see Shard); steps then count only that share.
	Shard Shard
	// StartAt, when set, is the absolute (wall-clock) time the phase's
	// schedule starts; Run waits for it. Agents of one step share it.
	StartAt time.Time
}

// Live is a progress snapshot.
type Live struct {
	Elapsed  time.Duration
	Duration time.Duration
	Requests uint64
	Errors   uint64
	Rate     float64 // achieved over the last second
	P99Ms    float64 // over the last second, from intended send time
	// Step is the index, within the phase, of the step running now (a ramp
	// or a WebSocket run has several).
	Step int
	// Connections is the number of WebSocket connections open now (0 for
	// HTTP). For WebSocket load, Requests counts messages sent, Errors
	// disconnects, and Rate is messages sent per second.
	Connections int
}

// Generator sends HTTP load at one target. Run may be called many times
// (once per phase) but not concurrently.
type Generator struct {
	cfg    Config
	base   *url.URL
	picker *picker
	engine string // EngineNetHTTP or EngineFast
}

// New checks cfg and returns a Generator for it.
func New(cfg Config) (*Generator, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("load: base url %q: %w", cfg.BaseURL, err)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("load: base url %q: scheme must be http or https", cfg.BaseURL)
	}
	if base.Host == "" {
		return nil, fmt.Errorf("load: base url %q: no host", cfg.BaseURL)
	}
	if !cfg.AllowRemote && !netsafe.IsLoopback(base.Hostname()) {
		return nil, fmt.Errorf("load: base url %q: host is not loopback (set allow_remote to load a remote host)", cfg.BaseURL)
	}
	if len(cfg.Requests) == 0 {
		return nil, fmt.Errorf("load: no requests to send")
	}
	switch {
	case cfg.MaxWorkers < 0:
		return nil, fmt.Errorf("load: max workers must be ≥ 0, got %d", cfg.MaxWorkers)
	case cfg.MaxWorkers == 0:
		cfg.MaxWorkers = DefaultMaxWorkers
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("load: timeout must be ≥ 0, got %s", cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultTimeout
	}
	switch {
	case cfg.GeneratorCPUs < 0:
		return nil, fmt.Errorf("load: generator cpus must be ≥ 0, got %d", cfg.GeneratorCPUs)
	case cfg.GeneratorCPUs == 0:
		cfg.GeneratorCPUs = runtime.NumCPU()
	}
	engine, err := resolveEngine(cfg.Engine, base)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	p, err := newPicker(base, cfg.Requests)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return &Generator{cfg: cfg, base: base, picker: p, engine: engine}, nil
}

// Run drives one phase and returns its steps (one; a ramp gives Windows
// steps, a Discard phase none). When ctx ends mid-phase, Run stops the load
// within about a second and returns the steps measured so far, each marked
// invalid with an "interrupted" warning, and a nil error; the caller sees
// ctx.Err() itself. It returns an error for an invalid phase, or ctx.Err()
// when ctx had already ended before the phase began.
func (g *Generator) Run(ctx context.Context, ph Phase) ([]results.Step, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ph, err := checkPhase(ph)
	if err != nil {
		return nil, err
	}
	if err := ph.Shard.check(); err != nil {
		return nil, err
	}
	steps, err := g.drive(ctx, ph)
	if err != nil || ph.Discard {
		return nil, err
	}
	return steps, nil
}

// checkPhase validates ph and fills its defaults.
func checkPhase(ph Phase) (Phase, error) {
	if ph.Model == "" {
		ph.Model = ModelOpen
	}
	if ph.Duration <= 0 {
		return ph, fmt.Errorf("load: phase duration must be > 0, got %s", ph.Duration)
	}
	switch ph.Model {
	case ModelOpen:
		if ph.Rate <= 0 {
			return ph, fmt.Errorf("load: open phase rate must be > 0, got %g", ph.Rate)
		}
		if ph.RampTo < 0 {
			return ph, fmt.Errorf("load: ramp_to must be ≥ 0, got %g", ph.RampTo)
		}
		switch {
		case ph.Windows < 0:
			return ph, fmt.Errorf("load: ramp windows must be ≥ 0, got %d", ph.Windows)
		case ph.RampTo == 0:
			ph.Windows = 1
		case ph.Windows == 0:
			ph.Windows = DefaultWindows
		}
	case ModelClosed:
		if ph.Concurrency < 1 {
			return ph, fmt.Errorf("load: closed phase concurrency must be ≥ 1, got %d", ph.Concurrency)
		}
		ph.Windows = 1
	default:
		return ph, fmt.Errorf("load: phase model must be %q or %q, got %q", ModelOpen, ModelClosed, ph.Model)
	}
	return ph, nil
}

// Load models.
const (
	ModelOpen   = "open"
	ModelClosed = "closed"
)
