package load

import (
	"math"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// schedule is the open-model arrival schedule of one phase: a rate that
// starts at rate0 and changes linearly by slope per second, for duration.
// Hit n (0-based) is due at due(n) after the phase starts. The same function
// paces the attack and, later, gives each result its intended send time, so
// the two can never disagree.
//
// vegeta's ConstantPacer and LinearPacer are not wrapped: ConstantPacer only
// takes whole hits per period and sends hit n at (n+1)/rate with a
// per-second catch-up rule, and LinearPacer derives its wait from the
// instantaneous rate; recovering the intended time of hit n from either would
// mean re-deriving their arithmetic.
type schedule struct {
	rate0    float64 // hits per second at t=0
	slope    float64 // change of rate per second
	duration time.Duration
	hits     uint64 // hits this schedule sends (this shard's share)
	all      uint64 // hits of the whole (unsharded) schedule
	// first and stride shard the schedule (shard.go): local hit k is
	// global hit first + k·stride; stride 0 means unsharded.
	first, stride uint64
}

// newSchedule returns the schedule of a constant rate (rampTo <= 0) or of a
// linear ramp from rate to rampTo over d.
func newSchedule(rate, rampTo float64, d time.Duration) schedule {
	s := schedule{rate0: rate, duration: d}
	if rampTo > 0 {
		s.slope = (rampTo - rate) / d.Seconds()
	}
	s.hits = uint64(math.Round(s.hitsBy(d)))
	s.all = s.hits
	return s
}

// hitsBy is the number of hits due in [0, t): the integral of the rate.
func (s schedule) hitsBy(t time.Duration) float64 {
	x := t.Seconds()
	if x <= 0 {
		return 0
	}
	return s.rate0*x + s.slope*x*x/2
}

// rateAt is the intended rate at t, in hits per second.
func (s schedule) rateAt(t time.Duration) float64 {
	return s.rate0 + s.slope*t.Seconds()
}

// due is when hit n is intended to be sent, relative to the phase start. It
// solves rate0·t + slope·t²/2 = n in the form 2n / (rate0 + √(rate0² +
// 2·slope·n)), which is exact for slope 0 and stable for small slopes.
func (s schedule) due(n uint64) time.Duration {
	n = s.global(n)
	if n == 0 {
		return 0
	}
	fn := float64(n)
	disc := s.rate0*s.rate0 + 2*s.slope*fn
	if disc < 0 {
		disc = 0 // beyond the end of a ramp down to zero
	}
	den := s.rate0 + math.Sqrt(disc)
	if den <= 0 {
		return s.duration
	}
	return time.Duration(2 * fn / den * 1e9)
}

// firstHitAt is the (local) index of the first hit due at or after t,
// bounded by the schedule's length.
func (s schedule) firstHitAt(t time.Duration) uint64 {
	h := math.Ceil(s.hitsBy(t) - 1e-9)
	if h <= 0 {
		return 0
	}
	if n := uint64(h); n < s.all {
		return s.local(n)
	}
	return s.hits
}

// openPacer paces an open-model attack by its schedule and stops after
// exactly the scheduled number of hits. It sleeps itself, precisely, instead
// of returning the wait to vegeta: vegeta's time.Sleep goes through the Go
// runtime's timers, which wake an idle process through epoll with
// millisecond resolution, so sends ran ~0.7 ms late at the median at 400
// req/s — late sends that latency from the intended time then (rightly)
// counts against the target.
type openPacer struct {
	s  schedule
	sl *sleeper // nil: coarseThenPreciseSleep
}

var _ vegeta.Pacer = openPacer{}

// Pace implements vegeta.Pacer.
func (p openPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= p.s.hits {
		return 0, true
	}
	d := p.s.due(hits)
	if d <= elapsed {
		return 0, false // behind: send at once
	}
	// Sleep all of the wait here: vegeta sends the hit right after
	// sleeping whatever Pace returns, without asking again, and its
	// time.Sleep is not precise (see sleeper).
	p.sl.sleep(d - elapsed)
	return 0, false
}

// coarseThenPreciseSleep sleeps through most of a long wait on the
// runtime's timers and the last preciseSleepMax in nanosleep(2): the
// pacer's sleep where no sleeper can be made. Returning
// wait-preciseSleepMax to vegeta instead would send every hit
// preciseSleepMax early (below 50 req/s each was 20 ms early, and its
// latency from the intended time 20 ms too small).
func coarseThenPreciseSleep(wait time.Duration) {
	if wait > preciseSleepMax {
		time.Sleep(wait - preciseSleepMax)
		wait = preciseSleepMax
	}
	preciseSleep(wait)
}

// preciseSleepMax bounds one nanosleep(2).
const preciseSleepMax = 20 * time.Millisecond

// Rate implements vegeta.Pacer.
func (p openPacer) Rate(elapsed time.Duration) float64 { return p.s.rateAt(elapsed) }

// closedPacer lets every worker send again as soon as it is free (closed
// model) and stops handing out hits once d has passed.
type closedPacer struct {
	d time.Duration
}

var _ vegeta.Pacer = closedPacer{}

// Pace implements vegeta.Pacer.
func (p closedPacer) Pace(elapsed time.Duration, _ uint64) (time.Duration, bool) {
	return 0, elapsed >= p.d
}

// Rate implements vegeta.Pacer; a closed model has no intended rate.
func (p closedPacer) Rate(time.Duration) float64 { return 0 }
