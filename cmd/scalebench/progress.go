package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/safetext"
	"github.com/scalebench/scalebench/scenarios"
)

// observer shows progress: a live bar on a terminal, plain lines otherwise.
type observer struct {
	w     io.Writer
	bar   bool
	steps int
	// levels are the connection counts of a WebSocket scenario's steps
	// (nil for HTTP); the whole section is one phase, so the step shown
	// follows load.Live.Step.
	levels []int
	wsStep int
	mu     sync.Mutex
	cur    *progressbar.ProgressBar
	label  string
	target string
}

func newObserver(w io.Writer, sc *scenarios.Scenario, noProgress bool) *observer {
	o := &observer{w: w, steps: stepCount(sc)}
	if sc.IsWebSocket() {
		for _, l := range runner.WSConfig(sc, false).Levels {
			o.levels = append(o.levels, l.Connections)
		}
		o.steps = len(o.levels)
	}
	if f, ok := w.(*os.File); ok && !noProgress && term.IsTerminal(int(f.Fd())) {
		o.bar = true
	}
	return o
}

func stepCount(sc *scenarios.Scenario) int {
	switch {
	case sc.Load.Search != nil:
		return 0 // the search decides how many probes
	case len(sc.Load.Concurrency) > 0:
		return len(sc.Load.Concurrency)
	case sc.Load.Ramp != nil:
		return 1
	case len(sc.Load.Steps) > 0:
		return len(sc.Load.Steps)
	}
	return 1
}

func (o *observer) TargetStarted(name string, index, total int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeBar()
	o.target = name
	fmt.Fprintf(o.w, "[%d/%d] %s: starting\n", index+1, total, safetext.Line(name))
}

func (o *observer) PhaseStarted(target string, ph load.Phase, measured int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeBar()
	switch {
	case ph.Discard:
		o.label = "warm-up"
	case o.levels != nil:
		o.wsStep = 0
		o.label = o.wsLabel(0)
	case ph.Model == "closed":
		o.label = fmt.Sprintf("step %d/%d  %d clients", measured+1, o.steps, ph.Concurrency)
	case ph.RampTo > 0:
		o.label = fmt.Sprintf("ramp %g→%g req/s", ph.Rate, ph.RampTo)
	case o.steps == 0:
		o.label = fmt.Sprintf("probe %d  %g req/s", ph.Index+1, ph.Rate)
	default:
		o.label = fmt.Sprintf("step %d/%d  %g req/s", measured+1, o.steps, ph.Rate)
	}
	if !o.bar {
		fmt.Fprintf(o.w, "      %s: %s (%s)\n", safetext.Line(target), o.label, ph.Duration)
		return
	}
	o.cur = progressbar.NewOptions64(ph.Duration.Milliseconds(),
		progressbar.OptionSetWriter(o.w),
		progressbar.OptionSetDescription(fmt.Sprintf("%-10s %s", safetext.Line(target), o.label)),
		progressbar.OptionSetWidth(24),
		progressbar.OptionThrottle(200*1e6),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionShowElapsedTimeOnFinish(),
	)
}

func (o *observer) Live(target string, l load.Live) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.levels != nil {
		o.liveWS(target, l)
		return
	}
	if o.cur == nil {
		return
	}
	o.cur.Describe(fmt.Sprintf("%-10s %s  now %6.0f req/s  p99 %7.1f ms  errors %d", safetext.Line(target), o.label, l.Rate, l.P99Ms, l.Errors))
	_ = o.cur.Set64(min(l.Elapsed.Milliseconds(), l.Duration.Milliseconds()))
}

// wsLabel names WebSocket step k: "step 2/3  1000 connections".
func (o *observer) wsLabel(k int) string {
	k = min(max(k, 0), len(o.levels)-1)
	return fmt.Sprintf("step %d/%d  %d connections", k+1, len(o.levels), o.levels[k])
}

// liveWS shows a WebSocket snapshot: open connections, messages sent per
// second and disconnects; a plain-text observer prints a line when the
// run moves on to the next connection step.
func (o *observer) liveWS(target string, l load.Live) {
	if l.Step != o.wsStep {
		o.wsStep = l.Step
		o.label = o.wsLabel(l.Step)
		if !o.bar {
			fmt.Fprintf(o.w, "      %s: %s\n", safetext.Line(target), o.label)
		}
	}
	if o.cur == nil {
		return
	}
	o.cur.Describe(fmt.Sprintf("%-10s %s  open %d  now %6.0f msg/s  disconnects %d", safetext.Line(target), o.label, l.Connections, l.Rate, l.Errors))
	_ = o.cur.Set64(min(l.Elapsed.Milliseconds(), l.Duration.Milliseconds()))
}

func (o *observer) TargetDone(t *results.Target) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeBar()
	line := fmt.Sprintf("      %s: %s, %d steps", safetext.Line(t.Name), t.Status, len(t.Steps))
	if t.Error != "" {
		line += ": " + safetext.Line(t.Error)
	}
	fmt.Fprintln(o.w, line)
	for _, n := range t.Deployment.Notes {
		fmt.Fprintf(o.w, "      note: %s\n", safetext.Line(n))
	}
	if t.Status == results.StatusFailed {
		names := make([]string, 0, len(t.Logs))
		for name := range t.Logs {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(o.w, "      --- last lines of %s's log ---\n", safetext.Line(name))
			for _, line := range lastLines(t.Logs[name], 10) {
				fmt.Fprintf(o.w, "      %s\n", safetext.Line(line))
			}
		}
	}
}

// lastLines returns at most n non-empty trailing lines of s.
func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	return lines
}

func (o *observer) Warn(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeBar()
	fmt.Fprintf(o.w, "warning: %s\n", safetext.Line(msg))
}

func (o *observer) closeBar() {
	if o.cur != nil {
		_ = o.cur.Finish()
		_ = o.cur.Clear()
		o.cur = nil
	}
}

func (o *observer) finish() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeBar()
}
