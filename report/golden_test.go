package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name; -update rewrites it, and a
// mismatch writes testdata/name.got (gitignored) to inspect.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./report -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from the golden file (got written to %s.got); -got +want:\n%s", name, path, cmp.Diff(string(got), string(want)))
	}
}

// fixture reads a sample run from fixtures/results.
func fixture(t *testing.T, name string) *results.Run {
	t.Helper()
	r, err := results.Read(filepath.Join("..", "fixtures", "results", name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func cmpDiff(got, want any) string { return cmp.Diff(got, want) }

func runsOf(t *testing.T, names ...string) []*results.Run {
	t.Helper()
	var out []*results.Run
	for _, n := range names {
		out = append(out, fixture(t, n))
	}
	return out
}
