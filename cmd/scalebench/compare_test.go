package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func init() {
	// Another test file of this package may define -update as well.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/*.golden")
	}
}

// checkGolden compares got with testdata/name; -update rewrites it, and a
// mismatch writes testdata/name.got (gitignored) to inspect.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./cmd/scalebench -run TestCompare -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from the golden file (got written to %s.got); -got +want:\n%s", name, path, cmp.Diff(string(got), string(want)))
	}
}

const compareFixtures = "../../fixtures/results/compare/"

// TestCompareGolden runs `scalebench compare` on synthetic results: two
// runs of unchanged code exit 0 under --gate, a run whose requests cost
// 25% more CPU exits 3 naming the regressed metrics, and the table, the
// Markdown, the JUnit and the JSON outputs match their golden files.
func TestCompareGolden(t *testing.T) {
	tests := []struct {
		name, base, new string
		extra           []string
		wantCode        int
		wantStderr      []string
	}{
		{"same", "base.json", "same.json", nil, 0, nil},
		{"slower", "base.json", "slower.json", nil, 3, []string{"regression gate failed", "single at 100 req/s: cpu_per_request +24", "single at 200 req/s: p50"}},
		{"trials", "trials-base.json", "trials-slower.json", []string{"--correction", "bh"}, 3, []string{"single at 100 req/s: cpu_per_request"}},
		{"env", "base.json", "other-env.json", []string{"--threshold", "10%"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"compare", compareFixtures + tt.base, compareFixtures + tt.new, "--gate",
				"--markdown", filepath.Join(dir, "c.md"), "--junit", filepath.Join(dir, "c.xml"), "--json", filepath.Join(dir, "c.json")}, tt.extra...)
			code, stdout, stderr := runCLI(t, args...)
			if code != tt.wantCode {
				t.Fatalf("compare %s %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.base, tt.new, code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			checkGolden(t, "compare-"+tt.name+".golden", []byte(stdout))
			for _, ext := range []string{"md", "xml", "json"} {
				data, err := os.ReadFile(filepath.Join(dir, "c."+ext))
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, "compare-"+tt.name+"."+ext+".golden", data)
			}
		})
	}
}

// TestCompareUsage: bad usage and runs that cannot be compared exit 2 and
// say what does not match.
func TestCompareUsage(t *testing.T) {
	tests := []struct {
		args       []string
		wantStderr string
	}{
		{[]string{"compare", compareFixtures + "base.json"}, "want BASE and NEW"},
		{[]string{"compare", compareFixtures + "base.json", compareFixtures + "missing.json"}, "new: read results"},
		{[]string{"compare", compareFixtures + "base.json", compareFixtures + "closed.json"}, "different load model (base open, new closed)"},
		{[]string{"compare", compareFixtures + "base.json", compareFixtures + "disjoint.json"}, "no common target (base: single, cluster, cache; new: redis)"},
		{[]string{"compare", compareFixtures + "base.json", compareFixtures + "same.json", "--threshold", "x"}, "--threshold"},
		{[]string{"compare", compareFixtures + "base.json", compareFixtures + "same.json", "--correction", "bonferroni"}, "--correction"},
		{[]string{"compare", compareFixtures + "base.json", compareFixtures + "same.json", "--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tt.args[1:], code, stderr, tt.wantStderr)
		}
	}
}
