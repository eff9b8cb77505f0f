package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadDevZero: a file that never ends is refused after reading about
// 1 MiB, not read whole (issue 10, finding 9).
func TestLoadDevZero(t *testing.T) {
	start := time.Now()
	_, err := Load("/dev/zero")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load(/dev/zero) error = %v (%T), want *Error", err, err)
	}
	if got := err.Error(); !strings.Contains(got, "/dev/zero:1:") || !strings.Contains(got, "larger than") {
		t.Errorf("Load(/dev/zero) error = %q, want a file:line size problem", got)
	}
	// Not a timed assertion on speed, only a guard against reading forever.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Load(/dev/zero) took %v", d)
	}
}

// TestLoadFolder: a folder gets a message, not a read error.
func TestLoadFolder(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("Load(folder) error = %v, want \"is a folder\"", err)
	}
}

// TestLoadMissingProgram: a command whose program does not exist fails
// validation, as it would fail the run (issue 10, finding 14).
func TestLoadMissingProgram(t *testing.T) {
	dir := t.TempDir()
	for prog, want := range map[string]string{
		"no-such-program-xyz": `targets[0].command[0]: program "no-such-program-xyz" is not in PATH`,
		"./missing.sh":        `targets[0].command[0]: program "./missing.sh" does not exist`,
		"sh":                  "",
	} {
		file := filepath.Join(dir, "s.yaml")
		yaml := "requests: [{path: /}]\nload: {rate: 10}\ntargets:\n  - {name: mine, command: [\"" + prog + "\", x]}\n"
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(file)
		switch {
		case want == "" && err != nil:
			t.Errorf("Load(command %s) = %v, want ok", prog, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), "s.yaml:4: "+want)):
			t.Errorf("Load(command %s) = %v, want %q", prog, err, want)
		}
	}
}
