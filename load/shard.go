package load

import (
	"fmt"
	"time"
)

// Shard is one generator agent's share of an open phase: agent Index of
// Count sends global arrivals Index, Index+Count, Index+2·Count, … of the
// phase's schedule, each at its intended time, so N agents together offer
// exactly the unsharded arrival process (a constant rate stays a constant
// rate, not N bursts). The zero value is the whole schedule.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// sharded reports whether sh splits the schedule.
func (sh Shard) sharded() bool { return sh.Count > 1 }

// check validates sh.
func (sh Shard) check() error {
	if sh.Count < 0 || (sh.Count > 0 && (sh.Index < 0 || sh.Index >= sh.Count)) || (sh.Count == 0 && sh.Index != 0) {
		return fmt.Errorf("load: shard %d of %d: want 0 ≤ index < count", sh.Index, sh.Count)
	}
	return nil
}

// shard returns the part of s that shard sh sends.
func (s schedule) shard(sh Shard) schedule {
	if !sh.sharded() {
		return s
	}
	s.first, s.stride = uint64(sh.Index), uint64(sh.Count)
	s.hits = s.local(s.all)
	return s
}

// global is the index in the whole schedule of this shard's hit k.
func (s schedule) global(k uint64) uint64 {
	if s.stride == 0 {
		return k
	}
	return s.first + k*s.stride
}

// local is how many of this shard's hits have a global index below g.
func (s schedule) local(g uint64) uint64 {
	if s.stride == 0 {
		return g
	}
	if g <= s.first {
		return 0
	}
	return (g - s.first + s.stride - 1) / s.stride
}

// waitUntil sleeps until the wall-clock time at (the coordinator's absolute
// start time, already translated to this machine's clock), precisely for
// the last stretch. A zero or past at returns at once.
func waitUntil(at time.Time) {
	if at.IsZero() {
		return
	}
	d := time.Until(at)
	if d <= 0 {
		return
	}
	if d > preciseSleepMax {
		time.Sleep(d - preciseSleepMax)
		d = time.Until(at)
	}
	if d > 0 {
		preciseSleep(d)
	}
}
