package load

import (
	"context"
	"net/http"
	"time"

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
	// Timeout of one request.
	Timeout time.Duration
	// MaxWorkers caps concurrent requests (and connections).
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
}

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
}

// Live is a progress snapshot.
type Live struct {
	Elapsed  time.Duration
	Duration time.Duration
	Requests uint64
	Errors   uint64
	Rate     float64 // achieved over the last second
	P99Ms    float64 // over the last second, from intended send time
}

// Generator sends HTTP load at one target.
type Generator struct {
	cfg Config
}

// New checks cfg and returns a Generator for it.
func New(cfg Config) (*Generator, error) {
	return &Generator{cfg: cfg}, nil
}

// Run drives one phase and returns its steps (one; a ramp gives Windows
// steps). It returns early, with what was measured so far, when ctx ends.
func (g *Generator) Run(ctx context.Context, ph Phase) ([]results.Step, error) {
	panic("not implemented")
}
