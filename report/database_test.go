package report

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// dbRun is a run of a primary and a replicas target, one step each.
func dbRun() *results.Run {
	pass, fail := true, false
	step := func(rate float64, passed *bool, d *results.DatabaseStats) results.Step {
		return results.Step{Index: 0, OfferedRate: rate, DurationS: 2, Requests: 200, Throughput: rate, Valid: true, SLOPassed: passed,
			Latency: results.Latency{P50: 1, P99: 5}, Database: d}
	}
	ci := results.Interval{0.02, 0.08}
	return &results.Run{
		SLO: &results.SLO{P99Ms: 10, ErrorRate: 0.01},
		Targets: []results.Target{
			{Name: "primary", Topology: "db-primary", Status: results.StatusOK, Steps: []results.Step{step(100, &fail, &results.DatabaseStats{
				ReadsPerS: 95, WritesPerS: 5, Nodes: []results.DatabaseNode{{Name: "primary", Role: "primary", Reads: 190, Writes: 10}}})}},
			{Name: "replicas", Topology: "db-replicas", Status: results.StatusOK, Steps: []results.Step{step(100, &pass, &results.DatabaseStats{
				ReadsPerS: 95, WritesPerS: 5, StaleReads: 8, StaleReadRatio: 0.042, StaleReadRatioCI: &ci,
				ReplicationLagMs: &results.LagSummary{P50: 1, P99: 12, Max: 15, Samples: 8},
				Nodes:            []results.DatabaseNode{{Name: "primary", Role: "primary", Writes: 10}, {Name: "replica-1", Role: "replica", Reads: 190, LagMs: 15}},
				Lag:              []results.LagPoint{{T: 0.5, Node: "replica-1", LagMs: 12}}})}},
		},
	}
}

func TestDatabaseTable(t *testing.T) {
	run := dbRun()
	tb := databaseTable(run, Analyze(run))
	if len(tb.Rows) != 2 {
		t.Fatalf("rows = %v, want one per target", tb.Rows)
	}
	if got := strings.Join(tb.Rows[1].Cells, " | "); !strings.Contains(got, "replica-1 190") || !strings.Contains(got, "8 (4.2%") || !tb.Rows[1].Bad {
		t.Errorf("replicas row = %q (bad %v), want node reads, stale reads with ratio, marked bad", got, tb.Rows[1].Bad)
	}
	for _, want := range []string{"Held the SLO up to: primary none, replicas 100 req/s", "replicas 8 stale of 190 reads", "lag p99 up to 12 ms", "No stale reads (every read saw the latest acknowledged write): primary"} {
		if !strings.Contains(tb.Note, want) {
			t.Errorf("note = %q, want it to contain %q", tb.Note, want)
		}
	}
}

func TestDatabaseChartsRender(t *testing.T) {
	run := dbRun()
	charts, err := Charts([]*results.Run{run})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range charts {
		if strings.Contains(c.File, "db-") {
			got = append(got, c.File)
			if len(c.PNG) == 0 {
				t.Errorf("%s: empty PNG", c.File)
			}
		}
	}
	if len(got) != 2 {
		t.Errorf("database charts = %v, want lag over time and reads per node", got)
	}
}
