package scenarios

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBuiltins(t *testing.T) {
	got := Builtins()
	if len(got) == 0 || got[0] == "" {
		t.Fatalf("Builtins() = %v, want at least quickstart", got)
	}
	if !contains(got, "quickstart") {
		t.Errorf("Builtins() = %v, want it to include quickstart", got)
	}
}

func TestLoadQuickstart(t *testing.T) {
	s, err := Load("quickstart")
	if err != nil {
		t.Fatalf("Load(quickstart) error: %v", err)
	}
	if s.Source != "quickstart" || len(s.Raw) == 0 {
		t.Errorf("Load(quickstart) Source = %q, len(Raw) = %d; want quickstart and the file text", s.Source, len(s.Raw))
	}
	if got := s.Model(); got != "open" {
		t.Errorf("Model() = %q, want open", got)
	}
	var names []string
	for _, tg := range s.Targets {
		names = append(names, tg.Name+"/"+tg.Kind())
	}
	if diff := cmp.Diff([]string{"single/topology", "cluster/topology", "replicas/topology"}, names); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if s.Defaults.Duration.D() != 4*time.Second || s.Defaults.Trials != 2 || s.Defaults.CPUBudget != 0.5 || s.SLO == nil || s.SLO.P99.D() != 50*time.Millisecond {
		t.Errorf("Load(quickstart) defaults %+v slo %+v: want duration 4s, trials 2, cpu_budget 0.5, p99 50ms", s.Defaults, s.SLO)
	}
}

func TestLoadNotFound(t *testing.T) {
	for _, name := range []string{"nope", "missing.yaml", "some/dir/x.yaml"} {
		_, err := Load(name)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("Load(%q) error = %v (%T), want *NotFoundError", name, err, err)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(%q): errors.Is(err, fs.ErrNotExist) = false, want true", name)
		}
		if !strings.Contains(err.Error(), "quickstart") {
			t.Errorf("Load(%q) error = %q, want it to list the built-in suites", name, err)
		}
	}
}

func TestLoadFileResolvesCommandDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "svc.yaml")
	data := "requests: [{path: /}]\nload: {rate: 10}\ntargets:\n  - {name: a, command: [sh, server.sh]}\n  - {name: b, command: [sh, server.sh], dir: sub}\n  - {name: c, command: [sh, server.sh], dir: /abs}\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(file)
	if err != nil {
		t.Fatalf("Load(%s) error: %v", file, err)
	}
	var got []string
	for _, tg := range s.Targets {
		got = append(got, tg.Dir)
	}
	want := []string{dir, filepath.Join(dir, "sub"), "/abs"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dirs (-want +got):\n%s", diff)
	}
	if s.Name != "svc" || s.Source != file {
		t.Errorf("Name, Source = %q, %q; want svc, %q", s.Name, s.Source, file)
	}
}

func TestLoadInvalidFileNamesPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "quick.yaml")
	data := "requests: [{path: /}]\nload: {rate: 10}\ntargets:\n  - topology: single\n  - topology: replicas\n  - topology: replicas\n    name: r2\n    replicas: 0\n"
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(file)
	want := file + ":8: targets[2].replicas: must be ≥ 1 and ≤ 256, got 0"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
}

func TestDefaults(t *testing.T) {
	s, err := Parse("d.yaml", []byte("requests: [{path: /}]\nload:\n  ramp: {to: 100, over: 10s}\nslo: {p99: 10ms}\ntargets:\n  - topology: cluster\n  - topology: replicas\n  - command: [x]\n  - url: http://localhost:1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != 1 || s.Driver != "process" || s.Defaults.Warmup.D() != 2*time.Second || s.Defaults.Duration.D() != 10*time.Second ||
		s.Defaults.Timeout.D() != 5*time.Second || s.Defaults.GOMAXPROCS != 1 || s.Defaults.StartupTimeout.D() != 20*time.Second ||
		s.Load.MaxWorkers != 256 || s.Load.Ramp.Windows != 10 || *s.SLO.ErrorRate != 0.01 {
		t.Errorf("scenario defaults = %+v, load %+v, ramp %+v", s.Defaults, s.Load, *s.Load.Ramp)
	}
	r := s.Requests[0]
	if r.Method != "GET" || r.Weight != 1 || r.Name != "GET /" {
		t.Errorf("request defaults = %+v", r)
	}
	type summary struct {
		Name, Balancer, Policy, Health string
		Workers, Replicas, GOMAXPROCS  int
	}
	var got []summary
	for _, tg := range s.Targets {
		got = append(got, summary{tg.Name, tg.Balancer, tg.Policy, tg.Health, tg.Workers, tg.Replicas, *tg.GOMAXPROCS})
	}
	want := []summary{
		{"cluster", "", "", "/healthz", 2, 0, 1},
		{"replicas", "auto", "round_robin", "/healthz", 0, 2, 1},
		{"command", "auto", "round_robin", "/", 0, 1, 0},
		{"url", "", "", "/", 0, 0, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("target defaults (-want +got):\n%s", diff)
	}
	if got := s.Model(); got != "open" {
		t.Errorf("Model() = %q, want open", got)
	}
}

func TestModelClosed(t *testing.T) {
	s, err := Parse("c.yaml", []byte("requests: [{path: /}]\nload: {concurrency: [1, 2]}\ntargets: [{topology: single}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Model(); got != "closed" {
		t.Errorf("Model() = %q, want closed", got)
	}
}

func TestSuggest(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{"replica", ` (did you mean "replicas"?)`},
		{"nmae", ` (did you mean "name"?)`},
		{"completely-off", ""},
	} {
		if got := suggest(tc.got, []string{"name", "replicas", "workers"}); got != tc.want {
			t.Errorf("suggest(%q) = %q, want %q", tc.got, got, tc.want)
		}
	}
}
