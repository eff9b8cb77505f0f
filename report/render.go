package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scalebench/scalebench/results"
)

// File names written by Render inside its folder.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "summary.md"
	ChartsDir    = "charts"
)

// Render writes the report of runs into dir: report.html (self-contained:
// charts inline as data: URIs), summary.md and one PNG per chart under
// dir/charts. The same runs always give the same bytes. It returns the
// paths written, report.html first.
func Render(ctx context.Context, dir string, runs []*results.Run) ([]string, error) {
	if len(runs) == 0 {
		return nil, errors.New("render report: no runs")
	}
	charts, err := Charts(runs)
	if err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	baseline, err := baselineOf(dir, runs)
	if err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	pg := buildPage(runs, charts)
	if baseline != nil {
		pg.Baseline = baselineView(baseline)
	}
	var html, mdBuf bytes.Buffer
	if err := HTML(&html, pg); err != nil {
		return nil, err
	}
	if err := Markdown(&mdBuf, runs); err != nil {
		return nil, fmt.Errorf("render summary.md: %w", err)
	}
	if baseline != nil {
		mdBuf.WriteString("\n")
		if err := baselineMarkdown(&mdBuf, baseline); err != nil {
			return nil, fmt.Errorf("render summary.md: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, ChartsDir), 0o755); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{HTMLFile, html.Bytes()}, {MarkdownFile, mdBuf.Bytes()}}
	for _, c := range charts {
		files = append(files, struct {
			name string
			data []byte
		}{filepath.FromSlash(c.File), c.PNG})
	}
	var written []string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return written, err
		}
		p := filepath.Join(dir, f.name)
		if err := results.WriteFileAtomic(p, f.data); err != nil {
			return written, fmt.Errorf("render report: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}
