package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileNamesRenderAsText renders a run whose scenario name,
// description, target names, instance names, extra keys and warnings hold
// HTML, quotes, </script>, pipes and backticks: every output must show them
// as text.
func TestHostileNamesRenderAsText(t *testing.T) {
	dir := t.TempDir()
	files, err := Render(context.Background(), dir, runsOf(t, "hostile.json"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	h := string(html)
	// Markup the template never uses must not appear at all; markup it
	// does use (img, b, i) must appear only as often as the template puts it.
	for _, raw := range []string{"<script", "</script", "<svg", "<evil>", "<i>"} {
		if strings.Contains(h, raw) {
			t.Errorf("report.html contains raw %q from the results", raw)
		}
	}
	for _, raw := range []string{`<img src=x onerror=alert("desc")>`, "<img src=x onerror=alert(1)>", "<b>inst-0</b>", "<b>bold</b>", `<i>single</i>`, `<svg onload=alert(1)>`} {
		if strings.Contains(h, raw) {
			t.Errorf("report.html contains raw %q from the results", raw)
		}
	}
	charts, err := Charts(runsOf(t, "hostile.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(h, "<img"); n != len(charts) {
		t.Errorf("report.html has %d <img> elements, want one per chart (%d)", n, len(charts))
	}
	for _, esc := range []string{"&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;", "&lt;i&gt;single&lt;/i&gt;&#34;&#39;", "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(h, esc) {
			t.Errorf("report.html lacks the escaped text %q", esc)
		}
	}

	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	m := string(md)
	for _, raw := range []string{"<script", "</script", "<img", "<svg", "<i>", "<b>", "<evil>", "cl|uster", "`x`"} {
		if strings.Contains(m, raw) {
			t.Errorf("summary.md contains raw %q", raw)
		}
	}
	// Every table row keeps its column count: escaped pipes do not split cells.
	for _, line := range strings.Split(m, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := len(strings.Split(strings.ReplaceAll(line, `\|`, ""), "|")) - 2
		if cells != 3 && cells != 5 && cells != 11 && cells != 7 {
			t.Errorf("summary.md row has %d cells: %s", cells, line)
		}
	}

	// Chart files are named from slugs, never from raw names.
	for _, f := range files {
		base := filepath.Base(f)
		if strings.ContainsAny(base, "<>\"'`|& ") {
			t.Errorf("file name %q holds raw characters from a target name", base)
		}
	}

	var txt bytes.Buffer
	if err := Summary(&txt, runsOf(t, "hostile.json")[0]); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(txt.String(), "\x1b\r") {
		t.Errorf("terminal summary carries control characters from the results")
	}
}
