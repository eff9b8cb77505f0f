package capacity

import (
	"math"
	"testing"
	"time"
)

// server is a synthetic target: it passes every probe at or below limit.
// flips lists probe numbers (0-based) whose outcome is inverted (noise);
// ceiling, when set, is the generator's own limit: probes above it are
// invalid.
type server struct {
	limit   float64
	flips   map[int]bool
	ceiling float64
}

func (s server) probe(i int, rate float64) Observation {
	o := Observation{Rate: rate, Outcome: Pass, Elapsed: time.Second}
	switch {
	case s.ceiling > 0 && rate > s.ceiling:
		return Observation{Rate: rate, Outcome: Invalid, Reason: ReasonGenerator, Elapsed: time.Second}
	case rate > s.limit:
		o.Outcome, o.Reason = Fail, ReasonP99
	}
	if s.flips[i] {
		if o.Outcome == Pass {
			o.Outcome, o.Reason = Fail, ReasonP99
		} else {
			o.Outcome, o.Reason = Pass, ""
		}
	}
	return o
}

// run drives a search against srv and returns its result and the rates probed.
func run(t *testing.T, cfg Config, srv server) (Result, []float64) {
	t.Helper()
	return drive(t, cfg, func(i int, rate float64) Observation { return srv.probe(i, rate) })
}

// drive runs a search with cfg to its end, asking observe for the
// outcome of probe i at rate, and returns its result and the rates probed.
func drive(t *testing.T, cfg Config, observe func(i int, rate float64) Observation) (Result, []float64) {
	t.Helper()
	s := NewSearch(cfg)
	var rates []float64
	for i := 0; ; i++ {
		rate, ok := s.Next()
		if !ok {
			break
		}
		if i > 100 {
			t.Fatal("search did not end after 100 probes")
		}
		rates = append(rates, rate)
		s.Record(observe(i, rate))
	}
	return s.Result(), rates
}

func TestSearchFindsKnownLimit(t *testing.T) {
	for _, limit := range []float64{37, 100, 333, 950, 1999} {
		cfg := Config{From: 20, To: 5000, Resolution: 0.05}
		r, rates := run(t, cfg, server{limit: limit})
		if r.Stop != StopConverged {
			t.Fatalf("limit %v: stop = %q, want converged (rates %v)", limit, r.Stop, rates)
		}
		if r.Rate > limit || r.Hi <= limit {
			t.Errorf("limit %v: capacity %v, interval [%v, %v] does not bracket it", limit, r.Rate, r.Lo, r.Hi)
		}
		if r.Hi/r.Lo-1 > cfg.Resolution+0.02 { // +rounding to whole req/s
			t.Errorf("limit %v: interval [%v, %v] wider than the resolution", limit, r.Lo, r.Hi)
		}
		if r.Reason != ReasonP99 || r.LowerBound {
			t.Errorf("limit %v: reason %q lower bound %v, want p99, false", limit, r.Reason, r.LowerBound)
		}
	}
}

func TestSearchConfirmsBoundary(t *testing.T) {
	// Limit 100, from 25: 25 50 100 200 then bisection. Whatever single
	// probe is flipped, the capacity must still be bracketed near 100.
	for flip := 0; flip < 12; flip++ {
		r, rates := run(t, Config{From: 25, To: 1000, Resolution: 0.05}, server{limit: 100, flips: map[int]bool{flip: true}})
		if r.Stop != StopConverged {
			t.Errorf("flip %d: stop %q (rates %v)", flip, r.Stop, rates)
			continue
		}
		if r.Lo > 100 || r.Hi <= 100 || r.Hi/r.Lo-1 > 0.07 {
			// A flipped early pass may only shrink the capacity to an earlier
			// confirmed boundary if the flip was confirmed — never with one flip.
			t.Errorf("flip %d: interval [%v, %v], want around 100 (rates %v)", flip, r.Lo, r.Hi, rates)
		}
	}
}

func TestSearchRepeatsPassBelowAndFailAbove(t *testing.T) {
	r, rates := run(t, Config{From: 50, To: 1000, Resolution: 0.05}, server{limit: 100})
	count := map[float64]int{}
	for _, x := range rates {
		count[x]++
	}
	if count[r.Lo] < 2 || count[r.Hi] < 2 {
		t.Errorf("rates %v: lo %v probed %d times, hi %v probed %d times; want both ≥ 2", rates, r.Lo, count[r.Lo], r.Hi, count[r.Hi])
	}
}

func TestSearchExplainedFailIsNotRepeated(t *testing.T) {
	r, probes := drive(t, Config{From: 100, To: 1000, Resolution: 1}, func(_ int, rate float64) Observation {
		if rate > 150 {
			return Observation{Rate: rate, Outcome: Fail, Reason: ReasonSaturation, Explained: true}
		}
		return Observation{Rate: rate, Outcome: Pass}
	})
	// 100 pass, 200 fail (explained), converged at resolution 1: repeat 100 only.
	want := []float64{100, 200, 100}
	if len(probes) != len(want) {
		t.Fatalf("probes %v, want %v", probes, want)
	}
	if r.Reason != ReasonSaturation || r.Rate != 100 {
		t.Errorf("result %+v", r)
	}
}

func TestSearchGeneratorCeiling(t *testing.T) {
	r, rates := run(t, Config{From: 100, To: 10000, Resolution: 0.05}, server{limit: 5000, ceiling: 1000})
	if r.Stop != StopGeneratorCeiling || !r.LowerBound || r.Reason != StopGeneratorCeiling {
		t.Fatalf("result %+v (rates %v), want a generator ceiling, lower bound", r, rates)
	}
	if r.Rate != 800 {
		t.Errorf("capacity %v, want the last pass 800", r.Rate)
	}
	// The invalid rate is retried (three tries), never counted as a pass.
	if n := len(rates); rates[n-1] != 1600 || rates[n-2] != 1600 || rates[n-3] != 1600 || rates[n-4] == 1600 {
		t.Errorf("rates %v: want the invalid probe tried three times", rates)
	}
}

func TestSearchNoRequestsIsNeverAPass(t *testing.T) {
	r, _ := drive(t, Config{From: 100, To: 1000}, func(_ int, rate float64) Observation {
		return Observation{Rate: rate, Outcome: Invalid, Reason: ReasonNoRequests}
	})
	if r.Rate != 0 || r.Stop != StopBelowFrom {
		t.Errorf("result %+v, want no capacity, below from", r)
	}
}

func TestSearchLateGeneratorIsNotACeiling(t *testing.T) {
	r, rates := drive(t, Config{From: 20, To: 1000}, func(_ int, rate float64) Observation {
		if rate >= 80 {
			return Observation{Rate: rate, Outcome: Invalid, Reason: ReasonLate, Detail: "sent late"}
		}
		return Observation{Rate: rate, Outcome: Pass}
	})
	if r.Stop != StopInvalid || r.Rate != 40 || !r.LowerBound || r.Hi != 0 {
		t.Errorf("result %+v (rates %v), want stop invalid at 80, capacity ≥ 40", r, rates)
	}
}

func TestSearchEnds(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		srv    server
		stop   string
		rate   float64
		lower  bool
		probes int
	}{
		{"to passes", Config{From: 100, To: 300}, server{limit: 1000}, StopSearchTo, 300, true, 3},
		{"from fails", Config{From: 100, To: 300}, server{limit: 50}, StopBelowFrom, 0, false, 2},
		{"time cap", Config{From: 10, To: 1e6, MaxTime: 4 * time.Second}, server{limit: 1e5}, StopMaxTime, 80, true, 4},
	}
	for _, tt := range tests {
		r, rates := run(t, tt.cfg, tt.srv)
		if r.Stop != tt.stop || r.Rate != tt.rate || r.LowerBound != tt.lower || len(rates) != tt.probes {
			t.Errorf("%s: stop %q rate %v lower %v probes %v; want %q %v %v %d", tt.name, r.Stop, r.Rate, r.LowerBound, rates, tt.stop, tt.rate, tt.lower, tt.probes)
		}
	}
}

func TestNiceRate(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{113.6, 114}, {12.34, 12.3}, {20, 20}} {
		if got := niceRate(tt.in); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("niceRate(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// A run of invalid probes at a rate that passed before (a confirmation)
// ends the search too, instead of probing it forever.
func TestSearchInvalidRunAfterAPass(t *testing.T) {
	r, rates := drive(t, Config{From: 40, To: 1000, Resolution: 0.5}, func(i int, rate float64) Observation {
		switch {
		case rate == 40 && i == 0:
			return Observation{Rate: rate, Outcome: Pass}
		case rate == 40:
			return Observation{Rate: rate, Outcome: Invalid, Reason: ReasonLate}
		}
		return Observation{Rate: rate, Outcome: Fail, Reason: ReasonP99}
	})
	if r.Stop != StopInvalid || len(rates) > 6 {
		t.Errorf("stop %q after rates %v; want invalid after three invalid confirmations", r.Stop, rates)
	}
}
