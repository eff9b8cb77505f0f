package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalebench/scalebench/report"
	"github.com/scalebench/scalebench/results"
)

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// A url: target with nothing listening is never "best" beside a working
// target: by default the health check fails it before any load; with
// --no-health-check its refused steps are invalid (issue 10, finding 13).
func TestRefusedURLIsNeverBest(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	yaml := fmt.Sprintf(`name: refused
defaults: {warmup: 0s, duration: 400ms}
requests: [{path: /}]
load: {rate: 30}
targets:
  - {name: nothing, url: "http://127.0.0.1:%d"}
  - {name: single, topology: single}
`, closedPort(t))
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags []string
		check func(t *testing.T, tr results.Target)
	}{
		{nil, func(t *testing.T, tr results.Target) {
			if tr.Status != results.StatusFailed || !strings.Contains(tr.Error, "health check") || len(tr.Steps) != 0 {
				t.Errorf("nothing: status %q error %q, %d steps; want failed by the health check, no load", tr.Status, tr.Error, len(tr.Steps))
			}
		}},
		{[]string{"--no-health-check"}, func(t *testing.T, tr results.Target) {
			if len(tr.Steps) == 0 || tr.Steps[0].Valid || !strings.Contains(strings.Join(tr.Steps[0].Warnings, "|"), "no request succeeded") {
				t.Errorf("nothing: steps %+v; want an invalid step saying no request succeeded", tr.Steps)
			}
		}},
	} {
		out := filepath.Join(dir, fmt.Sprint("out", len(tc.flags)))
		_, stdout, stderr := runCLI(t, append([]string{"run", file, "--out", out, "--no-progress"}, tc.flags...)...)
		run, err := results.Read(out)
		if err != nil {
			t.Fatalf("%v\n%s%s", err, stdout, stderr)
		}
		tc.check(t, run.Targets[0])
		// Whether single wins depends on the shared machine (its step may be
		// invalid for a late generator); the refused target must never.
		v := report.Analyze(run)
		if lv := v.Levels[0]; lv.Winner == "nothing" || lv.Best == "nothing" {
			t.Errorf("flags %v: winner %q, best %q: the refused target was crowned\n%s", tc.flags, lv.Winner, lv.Best, stdout)
		}
		if strings.Contains(stdout, "nothing  ") && strings.Contains(stdout, "best") && strings.Contains(stdout, "nothing: p99") {
			t.Errorf("flags %v: summary crowns the refused target:\n%s", tc.flags, stdout)
		}
	}
}
