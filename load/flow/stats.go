package flow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/scalebench/scalebench/results"
)

// Result is what one Run measured.
type Result struct {
	// Rate is the intended flows per second.
	Rate float64 `json:"rate"`
	// DurationS is the planned duration; ElapsedS the time from the first
	// intended start to the end of the last flow.
	DurationS float64 `json:"duration_s"`
	ElapsedS  float64 `json:"elapsed_s"`
	// Scheduled, Started, Unsent, Completed and Failed sum FlowStats'.
	// Unsent includes flows never drawn because the schedule was cut.
	Scheduled uint64 `json:"scheduled"`
	Started   uint64 `json:"started"`
	Unsent    uint64 `json:"unsent"`
	Completed uint64 `json:"completed"`
	Failed    uint64 `json:"failed"`
	// Flows holds one entry per flow of the Config, in order.
	Flows []FlowStats `json:"flows"`
	// Sections are every request's outcomes by completion time in slices
	// of a second or more, for the step's intervals (stats.Figures).
	Sections []results.Section `json:"-"`
}

// FlowStats are the figures of one flow.
type FlowStats struct {
	// Name of the flow.
	Name string `json:"name"`
	// Scheduled flows were called for by the schedule; Started got a
	// slot; Unsent never did before the end (MaxConcurrent reached, or
	// the run was cancelled).
	Scheduled uint64 `json:"scheduled"`
	Started   uint64 `json:"started"`
	Unsent    uint64 `json:"unsent"`
	// Completed flows had every step succeed; Failed stopped at a failed
	// step.
	Completed uint64 `json:"completed"`
	Failed    uint64 `json:"failed"`
	// Duration of a whole flow, from its intended start to the end of its
	// last response, in ms (completed flows only).
	Duration results.Latency `json:"duration_ms"`
	// Histograms: "duration" (µs, HDR V2 compressed, base64).
	Histograms map[string]string `json:"histograms,omitempty"`
	// Requests holds one entry per step, in order.
	Requests []RequestStats `json:"requests"`
}

// RequestStats are the figures of one step of a flow.
type RequestStats struct {
	// Name of the step.
	Name string `json:"name"`
	// Requests sent, and how many failed.
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// ErrorsByKind: "status_NNN", "expect_status" (a status below 400 other
	// than the expected one), "capture", "timeout", "connection_refused",
	// "connection_reset", "cancelled", "other".
	ErrorsByKind map[string]uint64 `json:"errors_by_kind,omitempty"`
	// Skipped counts flows that never reached this step because an earlier
	// one failed.
	Skipped uint64 `json:"skipped"`
	// Latency from the step's intended time (see the package doc).
	Latency results.Latency `json:"latency_ms"`
	// ServiceTime from the actual send.
	ServiceTime results.Latency `json:"service_time_ms"`
	// Histograms: "latency" and "service_time", as results.Step's.
	Histograms map[string]string `json:"histograms,omitempty"`
	// Instances counts responses by X-Scalebench-Instance (at most 64).
	Instances map[string]uint64 `json:"instances,omitempty"`
}

// Histogram geometry, the same as results.Step's: µs, 1 µs to 1 h, 3 digits.
const histHighest = 3_600_000_000

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, histHighest, 3) }

// rec accumulates one distribution: an HDR histogram plus exact min,
// mean and max.
type rec struct {
	h     *hdrhistogram.Histogram
	exact results.Exact
}

func newRec() *rec { return &rec{h: newHist()} }

func (r *rec) add(d time.Duration) {
	us := min(max(d.Microseconds(), 0), histHighest)
	r.exact.Add(us)
	_ = r.h.RecordValue(us)
}

func (r *rec) latency() results.Latency { return results.LatencyOf(r.h, &r.exact) }

// encode returns the results encoding; a histogram that cannot be encoded
// is left out rather than failing the step.
func (r *rec) encode() string {
	s, _ := results.EncodeHistogram(r.h)
	return s
}

// stepAcc accumulates one step.
type stepAcc struct {
	mu        sync.Mutex
	requests  uint64
	errors    uint64
	kinds     map[string]uint64
	skipped   uint64
	lat, svc  *rec
	instances map[string]uint64
}

// flowAcc accumulates one flow.
type flowAcc struct {
	mu                                          sync.Mutex
	scheduled, started, unsent, completed, fail uint64
	dur                                         *rec
	steps                                       []*stepAcc
}

func newFlowAcc(f Flow) *flowAcc {
	a := &flowAcc{dur: newRec()}
	for range f.Steps {
		a.steps = append(a.steps, &stepAcc{lat: newRec(), svc: newRec(), kinds: map[string]uint64{}, instances: map[string]uint64{}})
	}
	return a
}

// record adds one request's outcome; kind is "" for a success.
func (s *stepAcc) record(lat, svc time.Duration, kind, instance string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if kind != "" {
		s.errors++
		s.kinds[kind]++
	}
	s.lat.add(lat)
	s.svc.add(svc)
	if instance != "" && (len(s.instances) < 64 || s.instances[instance] > 0) {
		s.instances[instance]++
	}
}

func (a *flowAcc) stats(f Flow) FlowStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	fs := FlowStats{
		Name: f.Name, Scheduled: a.scheduled, Started: a.started, Unsent: a.unsent,
		Completed: a.completed, Failed: a.fail, Duration: a.dur.latency(),
		Histograms: map[string]string{"duration": a.dur.encode()},
	}
	for i, s := range a.steps {
		s.mu.Lock()
		rs := RequestStats{
			Name: f.Steps[i].Name, Requests: s.requests, Errors: s.errors, Skipped: s.skipped,
			Latency: s.lat.latency(), ServiceTime: s.svc.latency(),
			Histograms: map[string]string{"latency": s.lat.encode(), "service_time": s.svc.encode()},
		}
		if len(s.kinds) > 0 {
			rs.ErrorsByKind = maps(s.kinds)
		}
		if len(s.instances) > 0 {
			rs.Instances = maps(s.instances)
		}
		s.mu.Unlock()
		fs.Requests = append(fs.Requests, rs)
	}
	return fs
}

func maps(m map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// classify names the kind of a transport error.
func classify(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_reset"
	default:
		return "other"
	}
}

// statusKind is the error kind of an unwanted status.
func statusKind(code int) string { return fmt.Sprintf("status_%d", code) }
