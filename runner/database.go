package runner

import (
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/dbmeter"
)

// databaseSpec is the PostgreSQL tier of t (nil: none). Nodes get the
// db section's budget, else the instance budget.
func databaseSpec(t scenarios.Target, instanceBudget float64) *targets.DatabaseSpec {
	if !t.UsesPostgres() {
		return nil
	}
	d := &targets.DatabaseSpec{Shards: 1, ReadFrom: t.ReadFrom, CPUBudget: instanceBudget}
	switch t.Topology {
	case "db-replicas":
		d.Replicas = 2
		if t.DBReplicas > 0 {
			d.Replicas = t.DBReplicas
		}
	case "db-sharded":
		d.Shards = 2
		if t.Shards > 0 {
			d.Shards = t.Shards
		}
	}
	if t.DB != nil {
		d.Rows, d.Pool, d.Durable = t.DB.Rows, t.DB.Pool, t.DB.Durable
		if t.DB.CPUBudget != nil {
			d.CPUBudget = *t.DB.CPUBudget
		}
	}
	return d
}

// weighted returns reqs with the target's weights (by request name)
// applied; requests weighted 0 are left out.
func weighted(reqs []load.Request, weights map[string]int) []load.Request {
	if len(weights) == 0 {
		return reqs
	}
	out := make([]load.Request, 0, len(reqs))
	for _, r := range reqs {
		if w, ok := weights[r.Name]; ok {
			r.Weight = w
		}
		if r.Weight > 0 {
			out = append(out, r)
		}
	}
	return out
}

// dbMeterFor adds the database meter (targets/dbmeter) to the target's
// meter when it runs a PostgreSQL tier. One Tracker per target: a write
// acknowledged in one step makes a later step's read of the key stale.
func dbMeterFor(t scenarios.Target, inner func() load.Meter) func() load.Meter {
	if !t.UsesPostgres() {
		return inner
	}
	tr := dbmeter.NewTracker()
	return func() load.Meter {
		ms := multiMeter{extraMeter{dbmeter.NewMeter(tr)}}
		if inner != nil {
			ms = append(ms, inner())
		}
		return ms
	}
}

// syncMeter makes a meter safe for the many goroutines of load/flow,
// which observe responses concurrently.
type syncMeter struct {
	mu sync.Mutex
	m  load.Meter
}

func (s *syncMeter) Observe(code uint16, h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.Observe(code, h)
}

func (s *syncMeter) Finish(st *results.Step, elapsed time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.Finish(st, elapsed)
}

// multiMeter passes every response to each meter and merges their figures.
type multiMeter []load.Meter

func (ms multiMeter) Observe(code uint16, h http.Header) {
	for _, m := range ms {
		m.Observe(code, h)
	}
}

func (ms multiMeter) Finish(st *results.Step, elapsed time.Duration) {
	for _, m := range ms {
		m.Finish(st, elapsed)
	}
}

// extraMeter puts the database meter's counts into Step.Extra, from which
// the database section is built with the samples of the nodes (dbStep).
type extraMeter struct{ m *dbmeter.Meter }

func (e extraMeter) Observe(code uint16, h http.Header) { e.m.Observe(code, h) }

func (e extraMeter) Finish(st *results.Step, elapsed time.Duration) {
	if st.Extra == nil {
		st.Extra = map[string]float64{}
	}
	maps.Copy(st.Extra, e.m.Extra(elapsed))
}
