package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// stubDriver brings targets "up" as one real HTTP server on loopback; how
// each target behaves is decided by its name: "nostart" fails to start,
// "dies" fails for good once its first measured step is under way, any
// other name serves until Down.
type stubDriver struct {
	url  string
	mu   sync.Mutex
	ups  []string
	down []string
}

func (d *stubDriver) Name() string { return "stub" }

func (d *stubDriver) Up(_ context.Context, spec targets.Spec) (targets.Deployment, error) {
	d.mu.Lock()
	d.ups = append(d.ups, spec.Name)
	d.mu.Unlock()
	if spec.Name == "nostart" {
		return nil, errors.New(`target "nostart": instance 1 exited: exit status 1`)
	}
	return &stubDep{d: d, name: spec.Name, url: d.url}, nil
}

// stubDep is one target of a stubDriver.
type stubDep struct {
	d    *stubDriver
	name string
	url  string
	dead atomic.Bool
}

func (s *stubDep) Endpoint() string         { return s.url }
func (s *stubDep) Info() results.Deployment { return results.Deployment{Driver: "stub", Instances: 1} }
func (s *stubDep) Sample(context.Context) (targets.Usage, error) {
	return targets.Usage{CPUSeconds: 0.1}, nil
}
func (s *stubDep) Logs() map[string]string {
	return map[string]string{"instance-1": "log of " + s.name}
}

func (s *stubDep) Err() error {
	if s.dead.Load() {
		return errors.New("instance 1 exited unexpectedly: signal: killed")
	}
	return nil
}

func (s *stubDep) Down(context.Context) error {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	s.d.down = append(s.d.down, s.name)
	return nil
}

// runObserver acts on the run as it goes: it reads results.json before
// each target starts, marks "dies" dead when its measured step starts,
// and cancels the run when target cancelAt starts its measured step.
type runObserver struct {
	nopObserver
	t        *testing.T
	dir      string
	deps     func(name string) *stubDep
	cancelAt string
	cancel   context.CancelFunc
	written  []int // targets in results.json when each target started
}

func (o *runObserver) TargetStarted(string, int, int) {
	run, err := results.Read(o.dir + "/results.json")
	if err != nil {
		o.t.Errorf("read results.json before a target: %v", err)
		return
	}
	o.written = append(o.written, len(run.Targets))
}

func (o *runObserver) PhaseStarted(target string, ph load.Phase, _ int) {
	if ph.Discard {
		return
	}
	if target == "dies" {
		o.deps(target).dead.Store(true)
	}
	if target == o.cancelAt {
		o.cancel()
	}
}

// runStub runs targets (all of topology single) against a stub driver,
// cancelling the run when cancelAt's measured step starts.
func runStub(t *testing.T, names []string, cancelAt string) (*results.Run, *stubDriver, *runObserver) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	var tl strings.Builder
	for _, n := range names {
		tl.WriteString("{name: " + n + ", topology: single},")
	}
	sc := mustParse(t, "name: t\ndefaults: {warmup: 0s, duration: 1s}\nrequests: [{path: /}]\nload: {steps: [20]}\ntargets: ["+strings.TrimSuffix(tl.String(), ",")+"]\n")
	drv := &stubDriver{url: srv.URL}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	obs := &runObserver{t: t, dir: dir, cancelAt: cancelAt, cancel: cancel}
	// The observer finds a target's deployment through the driver's Up.
	var mu sync.Mutex
	deps := map[string]*stubDep{}
	obs.deps = func(name string) *stubDep { mu.Lock(); defer mu.Unlock(); return deps[name] }
	run := &results.Run{SchemaVersion: results.SchemaVersion, ID: "run-test", StartedAt: time.Now().UTC()}
	err := Run(ctx, run, sc, Options{Dir: dir, Driver: recordingDriver{drv, func(d *stubDep) { mu.Lock(); deps[d.name] = d; mu.Unlock() }}, Observer: obs})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	stored, err := results.Read(dir + "/results.json")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != run.Status || len(stored.Targets) != len(run.Targets) {
		t.Errorf("results.json has status %q and %d targets, the run %q and %d", stored.Status, len(stored.Targets), run.Status, len(run.Targets))
	}
	return run, drv, obs
}

// recordingDriver hands each deployment to seen as Up returns it.
type recordingDriver struct {
	*stubDriver
	seen func(*stubDep)
}

func (r recordingDriver) Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error) {
	dep, err := r.stubDriver.Up(ctx, spec)
	if d, ok := dep.(*stubDep); ok {
		r.seen(d)
	}
	return dep, err
}

func TestRunFailuresDoNotStopTheRun(t *testing.T) {
	run, drv, obs := runStub(t, []string{"nostart", "dies", "ok"}, "")
	if run.Status != results.RunCompleted {
		t.Errorf("run status %q, want %q", run.Status, results.RunCompleted)
	}
	byName := map[string]results.Target{}
	for _, tr := range run.Targets {
		byName[tr.Name] = tr
	}
	if tr := byName["nostart"]; tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "exited") || tr.Deployment.Driver != "stub" {
		t.Errorf("nostart = status %q, error %q, driver %q; want failed with the driver's error", tr.Status, tr.Error, tr.Deployment.Driver)
	}
	dies := byName["dies"]
	if dies.Status != results.StatusFailed || !strings.Contains(dies.Error, "target died during step 1") || dies.Logs["instance-1"] == "" {
		t.Errorf("dies = status %q, error %q, logs %v; want failed during step 1 with its logs", dies.Status, dies.Error, dies.Logs)
	}
	if n := len(dies.Steps); n != 1 || dies.Steps[0].Valid {
		t.Errorf("dies has %d steps (valid %v), want its one step kept and flagged", n, n > 0 && dies.Steps[0].Valid)
	}
	if ok := byName["ok"]; ok.Status != results.StatusOK || len(ok.Steps) != 1 || ok.Steps[0].Requests == 0 {
		t.Errorf("ok = status %q, %d steps; want ok with one measured step", ok.Status, len(ok.Steps))
	}
	if want := []int{0, 1, 2}; !slices.Equal(obs.written, want) {
		t.Errorf("results.json held %v targets as each target started, want %v (written after each target)", obs.written, want)
	}
	if want := []string{"dies", "ok"}; !slices.Equal(drv.down, want) {
		t.Errorf("Down called for %v, want %v (every target that came up)", drv.down, want)
	}
}

func TestRunInterrupted(t *testing.T) {
	run, drv, _ := runStub(t, []string{"first", "cut", "never"}, "cut")
	if run.Status != results.RunInterrupted {
		t.Errorf("run status %q, want %q", run.Status, results.RunInterrupted)
	}
	got := map[string]string{}
	for _, tr := range run.Targets {
		got[tr.Name] = tr.Status
	}
	want := map[string]string{"first": results.StatusOK, "cut": results.StatusInterrupted, "never": results.StatusSkipped}
	for name, st := range want {
		if got[name] != st {
			t.Errorf("target %s status %q, want %q (all: %v)", name, got[name], st, got)
		}
	}
	if want := []string{"first", "cut"}; !slices.Equal(drv.ups, want) || !slices.Equal(drv.down, want) {
		t.Errorf("Up for %v, Down for %v; want both %v (nothing starts after the interrupt, everything started is torn down)", drv.ups, drv.down, want)
	}
}
