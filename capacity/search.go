package capacity

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// Outcome is what one probe showed.
type Outcome string

// Probe outcomes. An invalid probe is never a pass.
const (
	Pass    Outcome = "pass"
	Fail    Outcome = "fail"
	Invalid Outcome = "invalid"
)

// Failure and stop reasons. A fail's reason says which part of the SLO the
// probe missed; an invalid probe's reason says why its numbers cannot be
// trusted.
const (
	ReasonP99        = "p99"            // latency p99 above the SLO
	ReasonErrors     = "errors"         // error rate above the SLO
	ReasonSaturation = "saturation"     // the target could not take the offered rate
	ReasonGenerator  = "generator"      // invalid: the generator could not send the rate
	ReasonLate       = "generator_late" // invalid: it sent the rate, but late (a busy machine)
	ReasonNoRequests = "no_requests"    // invalid: nothing completed (three in a row count as a fail)
	ReasonInvalid    = "invalid"        // invalid for another reason (Little's law, interrupted)
)

// Ways a search ends (Result.Stop).
const (
	StopConverged        = "converged"         // the interval is within the resolution and confirmed
	StopSearchTo         = "search_to"         // search.to passed: capacity is at least to
	StopBelowFrom        = "below_from"        // search.from already failed
	StopGeneratorCeiling = "generator_ceiling" // the generator could not send more
	StopInvalid          = "invalid"           // one rate gave nothing but invalid probes
	StopMaxTime          = "max_time"          // the time cap was hit
	StopMaxProbes        = "max_probes"        // the probe cap was hit (a bug guard)
)

// Defaults of a search's optional settings.
const (
	DefaultGrowth     = 2.0
	DefaultResolution = 0.05
	DefaultMaxProbes  = 40
	// maxRepeats bounds probes at one rate: best of three decides.
	maxRepeats = 3
	// maxInvalid is how many invalid probes in a row at one rate end the
	// search there (the first ones are retried: on a busy machine one
	// late generator is not a finding).
	maxInvalid = 3
)

// Config describes one capacity search.
type Config struct {
	// From is the first rate probed; To the highest one (req/s).
	From, To float64
	// Resolution is the relative width at which bisection stops:
	// hi/lo − 1 ≤ Resolution.
	Resolution float64
	// Growth multiplies the rate after each pass until a probe fails
	// (default 2).
	Growth float64
	// MaxTime caps the whole search (0: no cap). A probe is not started
	// when the last probe's duration would take the search past it.
	MaxTime time.Duration
	// MaxProbes caps the number of probes (default 40).
	MaxProbes int
}

// Observation is what the runner learned from one probe.
type Observation struct {
	// Rate is the offered rate probed (req/s).
	Rate float64
	// Outcome is pass, fail or invalid.
	Outcome Outcome
	// Reason says why a fail failed or an invalid probe is invalid.
	Reason string
	// Detail is the sentence with the numbers, for reports.
	Detail string
	// Explained marks a fail whose cause needs no repeat (the target
	// could not take the rate at all, or missed the SLO by far).
	Explained bool
	// Elapsed is how long the probe took, warm-up and cool-down included.
	Elapsed time.Duration
}

// Result is where a search ended.
type Result struct {
	// Rate is the capacity: the highest rate judged a pass (0: none).
	Rate float64
	// Lo and Hi bound the capacity: Lo passed, Hi failed (Hi is 0 when no
	// rate failed, so the capacity is at least Lo).
	Lo, Hi float64
	// Reason is why the rate just above the capacity failed (a Reason*
	// constant), or the stop reason when nothing above it failed.
	Reason string
	// Detail is the failing probe's sentence.
	Detail string
	// Stop is how the search ended (a Stop* constant).
	Stop string
	// LowerBound is true when the capacity is only a lower bound: the
	// search stopped before a confirmed fail above it.
	LowerBound bool
	// Probes is how many probes were run.
	Probes int
	// Elapsed is the search's total time.
	Elapsed time.Duration
}

// Search is a capacity search: Next says which rate to probe, Record takes
// what the probe showed. It grows the rate geometrically from From until a
// probe fails, bisects between the highest pass and the lowest fail until
// they are within Resolution, then confirms both ends: the pass is repeated
// (best of three decides) and the fail too, unless its cause is explained.
type Search struct {
	cfg     Config
	obs     []Observation
	spent   time.Duration
	stop    string
	pending float64 // a rate Next must probe again (0: none)
}

// NewSearch returns a search with cfg's defaults filled in.
func NewSearch(cfg Config) *Search {
	if cfg.Growth <= 1 {
		cfg.Growth = DefaultGrowth
	}
	if cfg.Resolution <= 0 {
		cfg.Resolution = DefaultResolution
	}
	if cfg.MaxProbes <= 0 {
		cfg.MaxProbes = DefaultMaxProbes
	}
	return &Search{cfg: cfg}
}

// Record adds one probe's observation.
func (s *Search) Record(o Observation) {
	s.obs = append(s.obs, o)
	s.spent += o.Elapsed
}

// Next returns the next rate to probe, or false when the search is over.
func (s *Search) Next() (float64, bool) {
	if s.stop != "" {
		return 0, false
	}
	rate, stop := s.decide()
	if stop == "" {
		stop = s.budgetStop()
	}
	if stop != "" {
		s.stop = stop
		return 0, false
	}
	return rate, true
}

// budgetStop ends the search when another probe would break a cap.
func (s *Search) budgetStop() string {
	if len(s.obs) >= s.cfg.MaxProbes {
		return StopMaxProbes
	}
	if n := len(s.obs); n > 0 && s.cfg.MaxTime > 0 && s.spent+s.obs[n-1].Elapsed > s.cfg.MaxTime {
		return StopMaxTime
	}
	return ""
}

// decide picks the next rate from everything observed, or a stop reason.
func (s *Search) decide() (float64, string) {
	if len(s.obs) == 0 {
		return s.cfg.From, ""
	}
	last := s.obs[len(s.obs)-1]
	if k := s.invalidRun(); k > 0 {
		t := s.tally(last.Rate)
		switch {
		case k < maxInvalid:
			return last.Rate, "" // retry: an invalid probe is not a finding
		case last.Reason == ReasonGenerator:
			return 0, StopGeneratorCeiling
		case t.decisive() > 0 || t.noRequests < t.invalid:
			return 0, StopInvalid
		}
		// Nothing ever completed at this rate: a fail (see verdict).
	}
	if r, ok := s.undecided(); ok {
		return r, ""
	}
	lo, hi := s.bounds()
	switch {
	case hi == 0 && lo >= s.cfg.To:
		return 0, StopSearchTo
	case hi == 0:
		return math.Min(niceRate(lo*s.cfg.Growth), s.cfg.To), ""
	case lo == 0:
		if t := s.tally(hi); t.decisive() < 2 && !t.explained && t.invalid == 0 {
			return hi, "" // one failing probe at from is not yet a finding
		}
		return 0, StopBelowFrom
	}
	if hi/lo-1 > s.cfg.Resolution {
		if mid := niceRate((lo + hi) / 2); mid > lo && mid < hi {
			return mid, ""
		}
	}
	return s.confirm(lo, hi)
}

// invalidRun is how many of the last probes were invalid, at the rate of
// the last one.
func (s *Search) invalidRun() int {
	n := 0
	last := s.obs[len(s.obs)-1].Rate
	for i := len(s.obs) - 1; i >= 0 && s.obs[i].Outcome == Invalid && s.obs[i].Rate == last; i-- {
		n++
	}
	return n
}

// confirm repeats the boundary: the pass below it, then the fail above it
// unless that fail is explained. "" means both are confirmed.
func (s *Search) confirm(lo, hi float64) (float64, string) {
	if t := s.tally(lo); t.decisive() < 2 {
		return lo, ""
	}
	if t := s.tally(hi); t.decisive() < 2 && !t.explained {
		return hi, ""
	}
	return 0, StopConverged
}

// undecided returns a rate whose probes are tied (one pass, one fail), so
// a third must decide.
func (s *Search) undecided() (float64, bool) {
	for i := len(s.obs) - 1; i >= 0; i-- {
		t := s.tally(s.obs[i].Rate)
		if t.pass == t.fail && t.pass > 0 && t.decisive() < maxRepeats {
			return s.obs[i].Rate, true
		}
	}
	return 0, false
}

// bounds returns the lowest rate judged a fail (hi, 0 if none) and the
// highest rate judged a pass below it (lo, 0 if none).
func (s *Search) bounds() (lo, hi float64) {
	for _, r := range s.rates() {
		switch s.tally(r).verdict() {
		case Fail:
			if hi == 0 || r < hi {
				hi = r
			}
		}
	}
	for _, r := range s.rates() {
		if s.tally(r).verdict() == Pass && (hi == 0 || r < hi) && r > lo {
			lo = r
		}
	}
	return lo, hi
}

// rates lists the distinct rates probed, ascending.
func (s *Search) rates() []float64 {
	seen := map[float64]bool{}
	var out []float64
	for _, o := range s.obs {
		if !seen[o.Rate] {
			seen[o.Rate] = true
			out = append(out, o.Rate)
		}
	}
	sort.Float64s(out)
	return out
}

// tally counts the probes at one rate.
type tally struct {
	pass, fail, invalid int
	noRequests          int
	explained           bool
	lastFail            *Observation
}

func (t tally) decisive() int { return t.pass + t.fail }

// verdict is the majority of decisive probes; a rate at which nothing
// ever completed counts as a fail (an invalid probe is never a pass).
func (t tally) verdict() Outcome {
	switch {
	case t.pass > t.fail:
		return Pass
	case t.fail > t.pass:
		return Fail
	case t.pass == 0 && t.fail == 0 && t.noRequests >= maxInvalid:
		return Fail
	}
	return ""
}

func (s *Search) tally(rate float64) tally {
	var t tally
	for i := range s.obs {
		o := &s.obs[i]
		if o.Rate != rate {
			continue
		}
		switch o.Outcome {
		case Pass:
			t.pass++
		case Fail:
			t.fail++
			t.explained = t.explained || o.Explained
			t.lastFail = o
		default:
			t.invalid++
			if o.Reason == ReasonNoRequests {
				t.noRequests++
			}
			if t.lastFail == nil {
				t.lastFail = o
			}
		}
	}
	return t
}

// Result says where the search ended; call it once Next returned false.
func (s *Search) Result() Result {
	lo, hi := s.bounds()
	r := Result{Rate: lo, Lo: lo, Hi: hi, Stop: s.stop, Probes: len(s.obs), Elapsed: s.spent}
	if hi > 0 {
		if f := s.tally(hi).lastFail; f != nil {
			r.Reason, r.Detail = f.Reason, f.Detail
		}
	}
	switch s.stop {
	case StopConverged, StopBelowFrom:
	case StopInvalid:
		last := s.obs[len(s.obs)-1]
		r.LowerBound, r.Reason = true, StopInvalid
		r.Detail = fmt.Sprintf("%d probes in a row at %s req/s were invalid (%s): the machine was too busy to measure there; no capacity is claimed above %s req/s", maxInvalid, fmtRate(last.Rate), last.Detail, fmtRate(lo))
	case StopGeneratorCeiling:
		r.LowerBound = true
		r.Reason = StopGeneratorCeiling
		r.Detail = fmt.Sprintf("the load generator could not send more than about %s req/s; the target's capacity is at least %s req/s, not measured beyond", fmtRate(s.obs[len(s.obs)-1].Rate), fmtRate(lo))
	default:
		r.LowerBound = hi == 0
		if hi == 0 {
			r.Reason = s.stop
		}
	}
	return r
}

// niceRate rounds a rate to a value a reader can repeat: whole req/s from
// 20 up, one decimal below.
func niceRate(r float64) float64 {
	if r >= 20 {
		return math.Round(r)
	}
	return math.Round(r*10) / 10
}

// fmtRate formats a rate for sentences.
func fmtRate(r float64) string {
	if r >= 20 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}
