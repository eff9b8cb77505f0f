package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	comparison "github.com/scalebench/scalebench/compare"
	"github.com/scalebench/scalebench/results"
)

// A compare.json beside results.json shows in report.html and summary.md
// only when it compares the run being rendered (not a stale one).
func TestRenderBaseline(t *testing.T) {
	base := fixture(t, filepath.Join("compare", "base.json"))
	slower := fixture(t, filepath.Join("compare", "slower.json"))
	tb, err := comparison.Compare(base, slower, comparison.Options{Threshold: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := comparison.JSON(&js, tb); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		run  *results.Run
		want bool
	}{{slower, true}, {base, false}} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, CompareJSONFile), js.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Render(context.Background(), dir, []*results.Run{tc.run}); err != nil {
			t.Fatal(err)
		}
		html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
		md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
		gotHTML := strings.Contains(string(html), "Against the baseline") && strings.Contains(string(html), "cpu_per_request")
		gotMD := strings.Contains(string(md), "Comparison with the baseline")
		if gotHTML != tc.want || gotMD != tc.want {
			t.Errorf("run %s with compare.json of %s: section in html %v, md %v; want %v", tc.run.ID, tb.New.ID, gotHTML, gotMD, tc.want)
		}
	}
}
