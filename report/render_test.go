package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderIsByteForByteStable(t *testing.T) {
	runs := runsOf(t, "quickstart.json")
	a, b := t.TempDir(), t.TempDir()
	fa, err := Render(context.Background(), a, runs)
	if err != nil {
		t.Fatal(err)
	}
	// Re-read from disk, as `scalebench report` does for an old run.
	if _, err := Render(context.Background(), b, runsOf(t, "quickstart.json")); err != nil {
		t.Fatal(err)
	}
	if len(fa) < 3 {
		t.Fatalf("Render wrote %d files, want report.html, summary.md and charts", len(fa))
	}
	for _, f := range fa {
		rel, _ := filepath.Rel(a, f)
		da, _ := os.ReadFile(f)
		db, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(da, db) {
			t.Errorf("%s differs between two renders of the same run", rel)
		}
	}
	if dir := os.Getenv("SCALEBENCH_REPORT_DIR"); dir != "" {
		_, _ = Render(context.Background(), dir, runs)
	}
}

func TestReportDataGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"report-data.json", []string{"quickstart.json"}},
		{"report-data-overlay.json", []string{"quickstart.json", "quickstart-after.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := runsOf(t, tc.files...)
			charts, err := Charts(runs)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.MarshalIndent(buildPage(runs, charts), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, append(data, '\n'))
		})
	}
}

func TestMarkdownGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
	}{
		{"summary.md", []string{"quickstart.json"}},
		{"summary-overlay.md", []string{"quickstart.json", "quickstart-after.json"}},
		{"summary-hostile.md", []string{"hostile.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Markdown(&buf, runsOf(t, tc.files...)); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestRenderOverlay(t *testing.T) {
	dir := t.TempDir()
	if _, err := Render(context.Background(), dir, runsOf(t, "quickstart.json", "quickstart-after.json")); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Differences between runs", "cluster @ 20250302-120000-quickstart"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("overlay report.html lacks %q", want)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	dir := t.TempDir()
	if _, err := Render(context.Background(), dir, runsOf(t, "quickstart.json")); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"http://", "https://", "<link", "<script", "@import", "url("} {
		if strings.Contains(string(html), bad) {
			t.Errorf("report.html contains %q: it must not load anything from outside", bad)
		}
	}
	for _, want := range []string{`name="viewport"`, "@media print", `src="data:image/png;base64,`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
