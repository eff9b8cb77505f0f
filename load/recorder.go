package load

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/scalebench/scalebench/results"
)

// outcome is one result, reduced to what a step records. Times are offsets
// from the phase start on the monotonic clock.
type outcome struct {
	intended time.Duration // when the schedule wanted it sent
	sent     time.Duration // when vegeta sent it
	end      time.Duration // when its response was read
	kind     string        // "" for success, else the error kind
	bytesIn  uint64
	bytesOut uint64
	instance string // X-Scalebench-Instance, "" when absent
	request  int    // index into Config.Requests, -1 when unknown
}

// maxInstances bounds the distinct X-Scalebench-Instance values a step
// counts by name, so a target that sets a new value per response (a request
// id) cannot make a step's memory grow with its requests.
const maxInstances = 1024

// InstancesOther is the results.Step.Instances key counting responses from
// instances beyond the first maxInstances distinct ones of a step.
const InstancesOther = "(other)"

// recorder accumulates one step. It is used by one goroutine at a time (the
// consumer; under the fast engine also its workers, holding its lock), and
// records a result without allocating (bar the first time an
// error kind or instance is seen).
type recorder struct {
	index     int
	start     time.Duration // the step's window start, from the phase start
	length    time.Duration // the step's planned duration
	scheduled uint64
	offered   float64 // req/s; 0 in the closed model

	lat, svc, lag    *hdrhistogram.Histogram
	latS, svcS, lagS results.Exact

	requests, errors, successes uint64
	bytesIn, bytesOut           uint64
	kinds                       map[string]uint64
	instances                   map[string]uint64
	byRequest                   []uint64

	any                          bool
	firstSend, lastSend, lastEnd time.Duration

	timeline *timeline
	meter    Meter // nil unless Config.Meter is set
	usage    usageAcc
	little   littleAcc
}

func newRecorder(index int, start, length time.Duration, requests int) *recorder {
	return &recorder{
		index:     index,
		start:     start,
		length:    length,
		lat:       newHistogram(),
		svc:       newHistogram(),
		lag:       newHistogram(),
		kinds:     make(map[string]uint64),
		instances: make(map[string]uint64),
		byRequest: make([]uint64, requests),
		timeline:  newTimeline(maxPoints),
	}
}

// record adds one result. withLag is false in the closed model, which has
// no schedule: there latency and service time are the same.
func (r *recorder) record(o *outcome, withLag bool) {
	latUs := int64(o.end-o.intended) / 1e3
	svcUs := int64(o.end-o.sent) / 1e3
	recordClamped(r.lat, latUs)
	r.latS.Add(latUs)
	recordClamped(r.svc, svcUs)
	r.svcS.Add(svcUs)
	if withLag {
		lagUs := int64(o.sent-o.intended) / 1e3
		recordClamped(r.lag, lagUs)
		r.lagS.Add(lagUs)
	}

	r.requests++
	failed := o.kind != ""
	if failed {
		r.errors++
		r.kinds[o.kind]++
	} else {
		r.successes++
	}
	r.bytesIn += o.bytesIn
	r.bytesOut += o.bytesOut
	if o.instance != "" {
		if _, seen := r.instances[o.instance]; seen || len(r.instances) < maxInstances {
			r.instances[o.instance]++
		} else {
			r.instances[InstancesOther]++
		}
	}
	if o.request >= 0 && o.request < len(r.byRequest) {
		r.byRequest[o.request]++
	}

	if !r.any || o.sent < r.firstSend {
		r.firstSend = o.sent
	}
	if !r.any || o.sent > r.lastSend {
		r.lastSend = o.sent
	}
	if !r.any || o.end > r.lastEnd {
		r.lastEnd = o.end
	}
	r.any = true

	r.timeline.record(o.end-r.start, latUs, o.kind)
}

// usageAcc accumulates resource samples attributed to a step.
type usageAcc struct {
	genCPU, genWall float64 // seconds of generator CPU over seconds of wall time
	tgtCPU, tgtWall float64 // the same for the target, over known samples only
	tgtMax          float64 // cores
	rssMax          uint64
	samples         int
}

// littleAcc accumulates in-flight samples for the Little's law check.
type littleAcc struct {
	sum   float64 // Σ requests in flight over the samples
	n     int
	atCap int // samples with every worker busy
	peak  uint64
}

func (l *littleAcc) add(inFlight, workers uint64) {
	l.sum += float64(inFlight)
	l.n++
	if inFlight >= workers {
		l.atCap++
	}
	l.peak = max(l.peak, inFlight)
}

func (l *littleAcc) mean() float64 {
	if l.n == 0 {
		return 0
	}
	return l.sum / float64(l.n)
}
