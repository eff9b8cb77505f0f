package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// Unit tests of runner.Run's control flow with a fake driver (the real
// drivers are tested end to end in cmd/scalebench): a target that fails to
// start, one that dies mid-step, an interrupted run, and results.json
// written after each target.

const fakeScenario = `version: 1
name: fake
defaults: {duration: 1s, warmup: 0s, cooldown: 0s}
requests: [{path: /}]
load: {rate: 50}
targets:
  - {name: a, topology: single}
  - {name: b, topology: single}
  - {name: c, topology: single}
`

// fakeDriver brings every target up as a deployment in front of one
// httptest server; fail says what goes wrong with which target.
type fakeDriver struct {
	url  string
	fail map[string]string // "up": Up fails; "dies": Err() reports a crash once load ran
	mu   sync.Mutex
	ups  []string
	down map[string]int
}

func (f *fakeDriver) Name() string { return "fake" }

func (f *fakeDriver) Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ups = append(f.ups, spec.Name)
	if f.fail[spec.Name] == "up" {
		return nil, errors.New("instance 1 exited with status 1 before it was ready")
	}
	return &fakeDeployment{d: f, name: spec.Name, started: time.Now(), dies: f.fail[spec.Name] == "dies"}, nil
}

func (f *fakeDriver) downs(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down[name]
}

type fakeDeployment struct {
	d       *fakeDriver
	name    string
	started time.Time
	dies    bool
	cpu     atomic.Int64
}

func (p *fakeDeployment) Endpoint() string { return p.d.url }
func (p *fakeDeployment) Info() results.Deployment {
	return results.Deployment{Instances: 1}
}
func (p *fakeDeployment) Sample(context.Context) (targets.Usage, error) {
	return targets.Usage{CPUSeconds: float64(p.cpu.Add(10)) / 1000, RSSBytes: 1 << 20}, nil
}
func (p *fakeDeployment) Err() error {
	if p.dies && time.Since(p.started) > 300*time.Millisecond {
		return errors.New("instance 1 exited: signal: killed")
	}
	return nil
}
func (p *fakeDeployment) Logs() map[string]string {
	return map[string]string{"instance-1": "listening"}
}
func (p *fakeDeployment) Down(context.Context) error {
	p.d.mu.Lock()
	defer p.d.mu.Unlock()
	if p.d.down == nil {
		p.d.down = map[string]int{}
	}
	p.d.down[p.name]++
	return nil
}

func runFake(t *testing.T, ctx context.Context, fail map[string]string, opts Options) (*results.Run, *fakeDriver, error) {
	return runFakeIn(t, ctx, t.TempDir(), fail, opts)
}

func runFakeIn(t *testing.T, ctx context.Context, dir string, fail map[string]string, opts Options) (*results.Run, *fakeDriver, error) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(srv.Close)
	sc, err := scenarios.Parse("fake.yaml", []byte(fakeScenario))
	if err != nil {
		t.Fatal(err)
	}
	drv := &fakeDriver{url: srv.URL, fail: fail}
	opts.Dir, opts.Driver = dir, drv
	run := &results.Run{SchemaVersion: results.SchemaVersion, ID: "fake-1", Scenario: sc.Name, Model: sc.Model(), Targets: []results.Target{}}
	err = Run(ctx, run, sc, opts)
	return run, drv, err
}

func statuses(run *results.Run) map[string]string {
	out := map[string]string{}
	for _, t := range run.Targets {
		out[t.Name] = t.Status
	}
	return out
}

func TestRunRecordsAFailedStartAndGoesOn(t *testing.T) {
	run, drv, err := runFake(t, context.Background(), map[string]string{"b": "up"}, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[string]string{"a": results.StatusOK, "b": results.StatusFailed, "c": results.StatusOK}
	if got := statuses(run); !mapsEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	for _, tg := range run.Targets {
		if tg.Name == "b" && tg.Error == "" {
			t.Errorf("failed target b has no error")
		}
		if tg.Name != "b" && len(tg.Steps) == 0 {
			t.Errorf("target %s has no steps", tg.Name)
		}
	}
	if drv.downs("a") != 1 || drv.downs("c") != 1 {
		t.Errorf("downs %v, want a and c torn down once each", drv.down)
	}
}

func TestRunRecordsATargetThatDiesMidStep(t *testing.T) {
	run, drv, err := runFake(t, context.Background(), map[string]string{"a": "dies"}, Options{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := statuses(run)
	if got["a"] != results.StatusFailed || got["b"] != results.StatusOK || got["c"] != results.StatusOK {
		t.Errorf("statuses %v, want a failed, b and c ok", got)
	}
	if drv.downs("a") != 1 {
		t.Errorf("the dead target was torn down %d times, want 1", drv.downs("a"))
	}
}

func TestRunInterruptedSkipsTheRest(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	obs := &cancelAfterFirst{cancel: cancel}
	run, drv, err := runFakeIn(t, ctx, dir, nil, Options{Observer: obs})
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	if run.Status != results.RunInterrupted {
		t.Errorf("run status %q, want %q", run.Status, results.RunInterrupted)
	}
	got := statuses(run)
	if got["b"] != results.StatusSkipped || got["c"] != results.StatusSkipped {
		t.Errorf("statuses %v, want b and c skipped", got)
	}
	if len(drv.ups) != 1 || drv.downs("a") != 1 {
		t.Errorf("ups %v downs %v: want only a brought up and torn down", drv.ups, drv.down)
	}
	disk, err := results.Read(dir)
	if err != nil || disk.Status != results.RunInterrupted {
		t.Errorf("results.json on disk: status %v, %v; want interrupted", disk, err)
	}
}

func TestRunWritesResultsAfterEachTarget(t *testing.T) {
	var seen [][]string
	dir := t.TempDir()
	opts := Options{AfterTarget: func(_ context.Context, run *results.Run) error {
		disk, err := results.Read(dir)
		if err != nil {
			return err
		}
		var done []string
		for _, tg := range disk.Targets {
			if tg.Status == results.StatusOK {
				done = append(done, tg.Name)
			}
		}
		seen = append(seen, done)
		return nil
	}}
	run, _, err := runFakeIn(t, context.Background(), dir, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || len(seen[0]) != 1 || len(seen[1]) != 2 {
		t.Errorf("results.json after each target held %v, want [[a] [a b]]", seen)
	}
	if run.Status != results.RunCompleted {
		t.Errorf("run status %q, want %q", run.Status, results.RunCompleted)
	}
}

// cancelAfterFirst interrupts the run when its first target is done.
type cancelAfterFirst struct {
	nopObserver
	cancel context.CancelFunc
}

func (c *cancelAfterFirst) TargetDone(*results.Target) { c.cancel() }

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
