package results

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteReadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "r1")
	ok := true
	want := &Run{
		SchemaVersion: SchemaVersion, ID: "r1", Scenario: "s", Model: "open", Status: RunCompleted,
		StartedAt:   time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Environment: Environment{Driver: "process", CPUs: 2, Components: map[string]string{"nginx": "1.22.1"}},
		Targets: []Target{{Name: "a", Topology: "single", Status: StatusOK, SLOPassed: &ok, Steps: []Step{
			{Index: 0, Model: "open", OfferedRate: 100, Requests: 200, Valid: true, Latency: Latency{P50: 1.5, P99: 9}, Extra: map[string]float64{"cache_hit_ratio": 0.7}},
		}}},
	}
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Read(Write(run)) (-got +want):\n%s", diff)
	}
	// No temporary file is left beside the results.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != FileName {
		t.Errorf("folder holds %v, want only %s", entries, FileName)
	}
}

func TestReadRejects(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, content string
		unknown       bool
	}{
		{"garbage.json", "not json", false},
		{"noversion.json", `{"id": "x"}`, false},
		{"future.json", `{"schema_version": "2.0"}`, true},
	}
	for _, tt := range tests {
		_, err := Read(write(tt.name, tt.content))
		if err == nil {
			t.Errorf("Read(%s) = nil error, want one", tt.name)
			continue
		}
		if got := errors.Is(err, ErrUnknownSchema); got != tt.unknown {
			t.Errorf("Read(%s): errors.Is(ErrUnknownSchema) = %v, want %v (%v)", tt.name, got, tt.unknown, err)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing")); err == nil {
		t.Error("Read(missing) = nil error, want one")
	}
}

// A newer 1.x file with fields this build does not know still reads.
func TestReadIgnoresUnknownFields(t *testing.T) {
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, []byte(`{"schema_version": "1.7", "id": "x", "future_field": {"a": 1}, "targets": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Read(p)
	if err != nil || run.ID != "x" {
		t.Errorf("Read() = %+v, %v; want id x and no error", run, err)
	}
}

// TestReadUpgradesCacheFigures: a 1.0 file kept the cache figures in
// steps[].extra; Read moves them into steps[].cache, so reports of old
// runs still show them, and leaves other extra keys alone.
func TestReadUpgradesCacheFigures(t *testing.T) {
	dir := t.TempDir()
	old := `{"schema_version": "1.0", "id": "r0", "scenario": "cache", "model": "open", "status": "completed",
	  "targets": [{"name": "cached", "status": "ok", "steps": [{"index": 0, "extra": {
	    "cache_hits": 70, "cache_misses": 30, "cache_hit_ratio": 0.7, "db_calls": 30, "db_calls_per_s": 15,
	    "db_wait_ms_mean": 0.5, "db_wait_ms_p99": 2, "db_wait_ms_max": 3, "flow_me_error_rate": 0.1}}]}]}`
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Targets[0].Steps[0]
	c := s.Cache
	if c == nil || c.Hits != 70 || c.Misses != 30 || c.HitRatio == nil || *c.HitRatio != 0.7 || c.DBCalls != 30 ||
		c.DBCallsPerS != 15 || c.DBWaitMs != (DBWait{Mean: 0.5, P99: 2, Max: 3}) {
		t.Errorf("cache section %+v, want the 1.0 extra figures", c)
	}
	if len(s.Extra) != 1 || s.Extra["flow_me_error_rate"] != 0.1 {
		t.Errorf("extra %v, want only flow_me_error_rate left", s.Extra)
	}
}
