package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalebench/scalebench/targets/docker"
)

// Under --driver docker a missing nginx image makes balancer auto use the
// Go balancer: that is a run warning, in summary.md and in the headline,
// not only a progress line (issue 10, finding 16).
func TestDockerNginxFallbackIsVisible(t *testing.T) {
	args := dockerArgs(t)
	t.Setenv(docker.EnvNginxImage, "scalebench/nginx:no-such-tag-for-tests")
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	yaml := "name: fallback\ndefaults: {warmup: 0s, duration: 500ms}\nrequests: [{path: /}]\nload: {rate: 20}\ntargets:\n  - {name: replicas, topology: replicas, replicas: 2}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	stdout, _ := mustRunCLI(t, append([]string{"run", file, "--out", out, "--no-progress"}, args...)...)
	run := readRun(t, out)
	found := false
	for _, w := range run.Warnings {
		found = found || strings.HasPrefix(w, "fallback: ") && strings.Contains(w, "Go balancer")
	}
	if !found || run.Targets[0].Deployment.Balancer != "go" {
		t.Errorf("warnings %q, balancer %q; want a fallback warning and the go balancer", run.Warnings, run.Targets[0].Deployment.Balancer)
	}
	md, _ := os.ReadFile(filepath.Join(out, "summary.md"))
	head, _, _ := strings.Cut(string(md), "\n\n##")
	if !strings.Contains(string(md), "Go balancer") {
		t.Errorf("summary.md does not mention the fallback:\n%s", md)
	}
	if !strings.Contains(stdout, "⚠ balancer auto: nginx image") {
		t.Errorf("terminal headline does not repeat the fallback:\n%s\n(summary.md head: %s)", stdout, head)
	}
}
