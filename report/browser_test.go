package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if testing.Short() {
		t.Skip("chromium not installed (skipped in -short mode)")
	}
	t.Fatal("chromium not found: install chromium: apt-get install -y --no-install-recommends chromium")
	return ""
}

// TestReportInChromium opens report.html in a real headless Chromium: it
// must render with no console errors or exceptions, every chart must be
// visible, and a full-page screenshot is saved as a CI artifact in
// $SCALEBENCH_ARTIFACTS (default testdata/artifacts).
func TestReportInChromium(t *testing.T) {
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("hide-scrollbars", true))
	defer acancel()
	browser, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	for _, tc := range []struct{ name, shot string }{
		{"quickstart.json", "report.png"},
		{"hostile.json", "report-hostile.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, tcancel := chromedp.NewContext(browser)
			defer tcancel()
			checkInChromium(t, tab, tc.name, tc.shot)
		})
	}
}

func checkInChromium(t *testing.T, bctx context.Context, fixtureName, shot string) {
	dir := t.TempDir()
	files, err := Render(context.Background(), dir, runsOf(t, fixtureName))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, f := range files {
		if filepath.Base(filepath.Dir(f)) == ChartsDir {
			charts++
		}
	}

	// Collect console messages while the page loads.
	mctx, mcancel := context.WithCancel(bctx)
	var (
		mu       sync.Mutex
		messages []string
		wg       sync.WaitGroup
	)
	console := chromedp.Console(mctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				messages = append(messages, m.String())
				mu.Unlock()
			}
		}
	}()

	url := "file://" + filepath.Join(dir, HTMLFile)
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url)); err != nil {
		mcancel()
		wg.Wait()
		t.Fatalf("open %s in chromium: %v", url, err)
	}
	type box struct {
		ID            string
		Width, Height float64
		Natural       int
	}
	boxes, err := chromedp.Run(bctx, chromedp.Evaluate[[]box](`[...document.querySelectorAll("figure.chart")].map(f => {
		const img = f.querySelector("img"); const r = img.getBoundingClientRect();
		return {ID: f.id, Width: r.width, Height: r.height, Natural: img.naturalWidth};
	})`))
	if err != nil {
		t.Fatalf("inspect charts: %v", err)
	}
	// A known error proves the console listener works.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[any](`console.error("scalebench-probe"); null`)); err != nil && !strings.Contains(err.Error(), "null") {
		t.Fatalf("probe console: %v", err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		seen := strings.Contains(strings.Join(messages, "\n"), "scalebench-probe")
		mu.Unlock()
		if seen || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mcancel()
	wg.Wait()

	var errs []string
	probe := false
	for _, m := range messages {
		if strings.Contains(m, "scalebench-probe") {
			probe = true
			continue
		}
		errs = append(errs, m)
	}
	if !probe {
		t.Errorf("the console listener did not see the probe error; cannot trust the no-errors check")
	}
	if len(errs) > 0 {
		t.Errorf("report.html logged console errors:\n%s", strings.Join(errs, "\n"))
	}
	if len(boxes) != charts {
		t.Errorf("page shows %d charts, want %d", len(boxes), charts)
	}
	for _, b := range boxes {
		if b.Width <= 0 || b.Height <= 0 || b.Natural != ChartWidth {
			t.Errorf("chart %s not visible: %.0f×%.0f on screen, image %d px wide", b.ID, b.Width, b.Height, b.Natural)
		}
	}

	art := os.Getenv("SCALEBENCH_ARTIFACTS")
	if art == "" {
		art = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(art, shot)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(fmt.Sprintf("screenshot: %s", p))
}
