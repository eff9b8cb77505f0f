package compare

import (
	"math"

	"github.com/scalebench/scalebench/results"
)

// Metric is one figure compared at every level.
type Metric struct {
	// Name is the metric's name in every output: p50, p90, p99,
	// throughput, error_rate, cpu_per_request.
	Name string `json:"name"`
	// Unit is the unit of its values: "ms", "req/s", "ratio", "ms/req".
	Unit string `json:"unit"`
	// LowerIsBetter is true for latency, errors and CPU.
	LowerIsBetter bool `json:"lower_is_better"`
	// TargetSide is true for a figure of the target alone (CPU per
	// request), still meaningful when the generator fell behind.
	TargetSide bool `json:"target_side,omitempty"`

	// step returns the step's figure and its 95% interval (nil: none).
	step func(*results.Step) (float64, *results.Interval)
	// trial returns one trial's figure (NaN: not measured).
	trial func(results.Trial) float64
}

// Metrics are compared in this order.
var Metrics = []Metric{
	latencyMetric("p50", func(l results.Latency) float64 { return l.P50 }, func(c *results.LatencyCI) results.Interval { return c.P50 }, func(t results.Trial) float64 { return t.P50 }),
	latencyMetric("p90", func(l results.Latency) float64 { return l.P90 }, func(c *results.LatencyCI) results.Interval { return c.P90 }, func(t results.Trial) float64 { return t.P90 }),
	latencyMetric("p99", func(l results.Latency) float64 { return l.P99 }, func(c *results.LatencyCI) results.Interval { return c.P99 }, func(t results.Trial) float64 { return t.P99 }),
	{
		Name: "throughput", Unit: "req/s",
		step:  func(s *results.Step) (float64, *results.Interval) { return s.Throughput, s.ThroughputCI },
		trial: func(t results.Trial) float64 { return t.Throughput },
	},
	{
		Name: "error_rate", Unit: "ratio", LowerIsBetter: true,
		step:  func(s *results.Step) (float64, *results.Interval) { return s.ErrorRate, s.ErrorRateCI },
		trial: func(t results.Trial) float64 { return t.ErrorRate },
	},
	{
		Name: "cpu_per_request", Unit: "ms/req", LowerIsBetter: true, TargetSide: true,
		step: func(s *results.Step) (float64, *results.Interval) { return CPUPerRequest(s), s.CPUPerRequestCI },
		trial: func(t results.Trial) float64 {
			if t.CPUPerRequestMs <= 0 {
				return math.NaN()
			}
			return t.CPUPerRequestMs
		},
	},
}

func latencyMetric(name string, v func(results.Latency) float64, ci func(*results.LatencyCI) results.Interval, tr func(results.Trial) float64) Metric {
	return Metric{
		Name: name, Unit: "ms", LowerIsBetter: true,
		step: func(s *results.Step) (float64, *results.Interval) {
			if s.LatencyCI == nil {
				return v(s.Latency), nil
			}
			i := ci(s.LatencyCI)
			return v(s.Latency), &i
		},
		trial: tr,
	}
}

// CPUPerRequest is the target's CPU time per request of a step, in ms:
// steps[].cpu_per_request_ms when recorded, else computed from the mean CPU
// use over the step (resources.cpu_cores_mean × elapsed_s / requests) so
// that older results compare too. NaN when neither is known.
func CPUPerRequest(s *results.Step) float64 {
	if s.CPUPerRequestMs > 0 {
		return s.CPUPerRequestMs
	}
	if s.Resources.CPUCoresMean <= 0 || s.ElapsedS <= 0 || s.Requests == 0 {
		return math.NaN()
	}
	return s.Resources.CPUCoresMean * s.ElapsedS / float64(s.Requests) * 1000
}

// trialValues returns one value per measured trial of s and, when
// validOnly, leaves invalid trials out, counting them.
func (m Metric) trialValues(s *results.Step, validOnly bool) (vals []float64, invalid int) {
	for _, t := range s.Trials {
		v := m.trial(t)
		switch {
		case math.IsNaN(v):
		case validOnly && !t.Valid:
			invalid++
		default:
			vals = append(vals, v)
		}
	}
	return vals, invalid
}
