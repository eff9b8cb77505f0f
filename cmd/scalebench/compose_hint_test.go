package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compose refuses a command: target with a hint at what to do instead
// (issue 10, finding 16).
func TestComposeCommandTargetHint(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(file, []byte("requests: [{path: /}]\nload: {rate: 1}\ntargets:\n  - {name: mine, command: [sh, -c, 'exit 0']}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "compose", "--scenario", file, "--out", dir, "mine")
	if code == 0 || !strings.Contains(stderr, "build an image of your server") || !strings.Contains(stderr, "image:") {
		t.Errorf("compose command target: exit %d\n%s%s; want a refusal with a hint", code, stdout, stderr)
	}
}

// compose says when an image it writes is not present locally.
func TestComposeWarnsMissingImage(t *testing.T) {
	dockerArgs(t)
	dir := t.TempDir()
	_, stderr := mustRunCLI(t, "compose", "replicas", "--out", dir, "--nginx-image", "scalebench/nginx:no-such-tag-for-tests")
	if !strings.Contains(stderr, "warning: image scalebench/nginx:no-such-tag-for-tests (service nginx) is not present locally") {
		t.Errorf("compose stderr lacks the missing-image warning:\n%s", stderr)
	}
	if strings.Contains(stderr, "scalebench/redis") {
		t.Errorf("compose warned about an image it does not use:\n%s", stderr)
	}
}
