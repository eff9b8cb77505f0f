package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestChartsArePNGsOfTheRightSize(t *testing.T) {
	charts, err := Charts(runsOf(t, "quickstart.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) < 9 {
		t.Errorf("Charts made %d charts, want at least 9", len(charts))
	}
	dir := os.Getenv("SCALEBENCH_CHART_DIR")
	for _, c := range charts {
		img, err := png.Decode(bytes.NewReader(c.PNG))
		if err != nil {
			t.Errorf("%s: not a PNG: %v", c.File, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != ChartWidth || b.Dy() != ChartHeight {
			t.Errorf("%s: %d×%d, want %d×%d", c.File, b.Dx(), b.Dy(), ChartWidth, ChartHeight)
		}
		if dir != "" {
			_ = os.WriteFile(filepath.Join(dir, filepath.Base(c.File)), c.PNG, 0o644)
		}
	}
}
