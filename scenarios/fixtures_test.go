package scenarios

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of fixtures/scenarios")

const fixtures = "../fixtures/scenarios"

// golden compares got with the file want, or rewrites it under -update. On
// a mismatch it writes got beside it as a .got file (gitignored).
func golden(t *testing.T, want string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(want, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("read golden (run go test ./scenarios -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(w), string(got)); diff != "" {
		_ = os.WriteFile(want+".got", got, 0o644)
		t.Errorf("mismatch with %s (-want +got):\n%s", want, diff)
	}
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (err %v)", pattern, err)
	}
	return files
}

// TestInvalidFixtures parses each fixtures/scenarios/invalid/X.yaml and
// compares the error with X.err, line for line.
func TestInvalidFixtures(t *testing.T) {
	forEachFixture(t, "invalid", func(t *testing.T, file, name string, s *Scenario, err error) {
		if err == nil {
			t.Fatalf("Parse(%s) = %+v, nil; want an error", name, s)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%s) error is %T (%v), want *Error", name, err, err)
		}
		for _, p := range e.Problems {
			if p.File != name || p.Line < 1 || p.Msg == "" {
				t.Errorf("problem %+v: want File %q, Line ≥ 1 and a message", p, name)
			}
		}
		golden(t, strings.TrimSuffix(file, ".yaml")+".err", []byte(err.Error()+"\n"))
	})
}

// forEachFixture parses each fixtures/scenarios/dir/*.yaml in a subtest
// and hands check the file, its base name and what Parse returned.
func forEachFixture(t *testing.T, dir string, check func(t *testing.T, file, name string, s *Scenario, err error)) {
	t.Helper()
	for _, file := range glob(t, filepath.Join(fixtures, dir, "*.yaml")) {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(name, data)
			check(t, file, name, s, err)
		})
	}
}

// TestValidFixtures loads each fixtures/scenarios/valid/X.yaml and compares
// the scenario, defaults applied, with X.golden.json.
func TestValidFixtures(t *testing.T) {
	forEachFixture(t, "valid", func(t *testing.T, file, name string, s *Scenario, err error) {
		if err != nil {
			t.Fatalf("Parse(%s) error:\n%v", name, err)
		}
		got, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, strings.TrimSuffix(file, ".yaml")+".golden.json", append(got, '\n'))
	})
}

// TestShippedScenarios loads every built-in suite and example.
func TestShippedScenarios(t *testing.T) {
	for _, name := range Builtins() {
		if _, err := Load(name); err != nil {
			t.Errorf("Load(%q) error:\n%v", name, err)
		}
	}
	for _, file := range glob(t, "../examples/*.yaml") {
		if _, err := Load(file); err != nil {
			t.Errorf("Load(%q) error:\n%v", file, err)
		}
	}
}
