package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes the parser panic, and that every
// failure is an *Error whose problems have a line and a message. It calls
// parseUnguarded, not Parse: Parse turns a panic into a problem, which would
// hide exactly what fuzzing looks for. Seeds: every fixture, suite and
// example, plus testdata/fuzz/FuzzParse (where the fuzzer saves crashers).
// Run for minutes with scripts/fuzz.sh.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{
		filepath.Join(fixtures, "valid", "*.yaml"), filepath.Join(fixtures, "invalid", "*.yaml"),
		"builtin/*.yaml", "../examples/*.yaml",
	} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseUnguarded("fuzz.yaml", data, "")
		if err == nil {
			noLoad := len(s.Requests) == 0 && len(s.Flows) == 0 && s.WebSocket == nil
			if len(s.Targets) == 0 || noLoad || (s.Model() != "open" && s.Model() != "closed") {
				t.Fatalf("Parse accepted an incomplete scenario: %+v", s)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || len(e.Problems) == 0 {
			t.Fatalf("Parse error = %v (%T), want *Error with problems", err, err)
		}
		for _, p := range e.Problems {
			if p.Line < 1 || p.Msg == "" || p.File != "fuzz.yaml" {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}
