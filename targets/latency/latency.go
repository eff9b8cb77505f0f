// Package latency is the query latency distribution a scenario gives the
// reference app's simulated database (cache.db_latency, the app's
// --db-latency flag): parsed and checked here for both the scenario
// parser and the app, and drawn from by the app (app/cache/simdb).
package latency

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// z99 is the standard normal quantile at 0.99.
const z99 = 2.3263478740408408

// Spec is a query latency distribution. Written as a flag or YAML
// value (see Parse):
//
//	fixed:5ms             always 5 ms
//	uniform:2ms,8ms       uniform between 2 and 8 ms
//	lognormal:5ms,40ms    log-normal with median 5 ms and p99 40 ms
//
// Log-normal is the realistic choice (most queries fast, a long tail);
// its draws are capped at 10 × p99 so one draw cannot stall a test.
type Spec struct {
	// Kind is "fixed", "uniform" or "lognormal".
	Kind string
	// A is the fixed value, the uniform minimum or the log-normal median.
	A time.Duration
	// B is the uniform maximum or the log-normal p99 (unused for fixed).
	B time.Duration
}

// Parse parses "fixed:D", "uniform:MIN,MAX" or
// "lognormal:MEDIAN,P99"; a bare duration means fixed.
func Parse(s string) (Spec, error) {
	kind, args, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		kind, args = "fixed", kind
	}
	parts := strings.Split(args, ",")
	ds := make([]time.Duration, len(parts))
	for i, p := range parts {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || d < 0 {
			return Spec{}, fmt.Errorf("latency %q: %q is not a duration ≥ 0 (e.g. 5ms)", s, p)
		}
		ds[i] = d
	}
	l := Spec{Kind: kind}
	switch {
	case kind == "fixed" && len(ds) == 1:
		l.A = ds[0]
	case (kind == "uniform" || kind == "lognormal") && len(ds) == 2:
		l.A, l.B = ds[0], ds[1]
	default:
		return Spec{}, fmt.Errorf("latency %q: want fixed:D, uniform:MIN,MAX or lognormal:MEDIAN,P99", s)
	}
	return l, l.Validate()
}

// Validate checks the parameters.
func (l Spec) Validate() error {
	switch l.Kind {
	case "fixed":
		return nil
	case "uniform":
		if l.B < l.A {
			return fmt.Errorf("latency %s: maximum below minimum", l)
		}
		return nil
	case "lognormal":
		if l.A <= 0 || l.B < l.A {
			return fmt.Errorf("latency %s: want 0 < median ≤ p99", l)
		}
		return nil
	default:
		return fmt.Errorf("latency kind %q: want fixed, uniform or lognormal", l.Kind)
	}
}

// String formats l the way Parse reads it.
func (l Spec) String() string {
	if l.Kind == "fixed" {
		return "fixed:" + l.A.String()
	}
	return l.Kind + ":" + l.A.String() + "," + l.B.String()
}

// Mean is the distribution's mean (before the log-normal cap).
func (l Spec) Mean() time.Duration {
	switch l.Kind {
	case "uniform":
		return (l.A + l.B) / 2
	case "lognormal":
		sigma := math.Log(float64(l.B)/float64(l.A)) / z99
		return time.Duration(float64(l.A) * math.Exp(sigma*sigma/2))
	default:
		return l.A
	}
}

// Draw returns one latency.
func (l Spec) Draw(r *rand.Rand) time.Duration {
	switch l.Kind {
	case "uniform":
		if l.B == l.A {
			return l.A
		}
		return l.A + time.Duration(r.Int64N(int64(l.B-l.A)+1))
	case "lognormal":
		sigma := math.Log(float64(l.B)/float64(l.A)) / z99
		d := time.Duration(float64(l.A) * math.Exp(sigma*r.NormFloat64()))
		return min(d, 10*l.B)
	default:
		return l.A
	}
}
