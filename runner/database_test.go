package runner

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/dbmeter"
)

// TestDBStepFromSamples: node counters are deltas over the step's window,
// lag is summarised from the replica samples inside it, client figures
// come from the meter's extra keys.
func TestDBStepFromSamples(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	s := &dbSampler{byNode: map[string][]nodeSample{
		"primary":   {{at: at(-0.1), reads: 0, writes: 100, cpu: 1}, {at: at(1), reads: 5, writes: 150, cpu: 1.5}, {at: at(2.05), reads: 7, writes: 200, cpu: 2}},
		"replica-1": {{at: at(-0.1), reads: 10, cpu: 3}, {at: at(2.05), reads: 110, cpu: 3.5}},
	}, lag: []lagSample{
		{at: at(-0.5), node: "replica-1", ms: 99}, // before the step: ignored
		{at: at(0.5), node: "replica-1", ms: 2, bytes: 100},
		{at: at(1.5), node: "replica-1", ms: 8, bytes: 400},
	}}
	st := &results.Step{StartedAt: t0, DurationS: 2, Extra: map[string]float64{
		dbmeter.ExtraReads: 100, dbmeter.ExtraWrites: 50, dbmeter.ExtraStaleReads: 4, dbmeter.ExtraReadsAfterAck: 10,
		dbmeter.ExtraStaleReadRatio: 0.04, dbmeter.ExtraPoolWaitP99: 1.5,
	}}
	nodes := []targets.DatabaseNode{{Name: "primary", Role: "primary"}, {Name: "replica-1", Role: "replica"}}
	got := s.step(st, nodes)
	if got.StaleReadRatioCI == nil || !got.StaleReadRatioCI.Contains(0.04) {
		t.Errorf("stale ratio CI %v does not contain 0.04", got.StaleReadRatioCI)
	}
	got.StaleReadRatioCI = nil
	want := &results.DatabaseStats{
		ReadsPerS: 50, WritesPerS: 25, PoolWaitMsP99: 1.5, StaleReads: 4, ReadsAfterWrite: 10, StaleReadRatio: 0.04,
		ReplicationLagMs: &results.LagSummary{P50: 2, P99: 8, Max: 8, Samples: 2},
		Nodes: []results.DatabaseNode{
			{Name: "primary", Role: "primary", Reads: 7, Writes: 100, CPUCores: 0.465},
			{Name: "replica-1", Role: "replica", Reads: 100, CPUCores: 0.233, LagMs: 8, LagBytesMax: 400},
		},
		Lag: []results.LagPoint{{T: 0.5, Node: "replica-1", LagMs: 2}, {T: 1.5, Node: "replica-1", LagMs: 8}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("step() mismatch (-want +got):\n%s", d)
	}
}

func TestWeighted(t *testing.T) {
	reqs := []load.Request{{Name: "read", Weight: 95}, {Name: "write", Weight: 5}, {Name: "top", Weight: 1}}
	got := weighted(reqs, map[string]int{"read": 50, "write": 50, "top": 0})
	want := []load.Request{{Name: "read", Weight: 50}, {Name: "write", Weight: 50}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("weighted() mismatch (-want +got):\n%s", d)
	}
	if got := weighted(reqs, nil); len(got) != 3 {
		t.Errorf("weighted(nil) = %v, want the requests unchanged", got)
	}
}

func TestDatabaseSpec(t *testing.T) {
	budget := 0.25
	for _, c := range []struct {
		t    scenarios.Target
		want *targets.DatabaseSpec
	}{
		{scenarios.Target{Topology: "replicas"}, nil},
		{scenarios.Target{Topology: "cached"}, nil},
		{scenarios.Target{Topology: "db-primary"}, &targets.DatabaseSpec{Shards: 1, CPUBudget: 0.5}},
		{scenarios.Target{Topology: "db-replicas", ReadFrom: "all"}, &targets.DatabaseSpec{Shards: 1, Replicas: 2, ReadFrom: "all", CPUBudget: 0.5}},
		{scenarios.Target{Topology: "db-sharded", Shards: 3, DB: &scenarios.Database{Rows: 50, CPUBudget: &budget}}, &targets.DatabaseSpec{Shards: 3, Rows: 50, CPUBudget: 0.25}},
		{scenarios.Target{Topology: "cached", Database: "postgres"}, &targets.DatabaseSpec{Shards: 1, CPUBudget: 0.5}},
	} {
		if d := cmp.Diff(c.want, databaseSpec(c.t, 0.5)); d != "" {
			t.Errorf("databaseSpec(%+v) mismatch (-want +got):\n%s", c.t, d)
		}
	}
}
