//go:build !linux

package load

import "time"

// sleeper falls back to coarseThenPreciseSleep where no timerfd exists.
type sleeper struct{}

func newSleeper() *sleeper { return nil }

func (s *sleeper) sleep(d time.Duration) {
	if d > 0 {
		coarseThenPreciseSleep(d)
	}
}

func (s *sleeper) close() {}
