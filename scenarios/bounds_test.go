package scenarios

import (
	"errors"
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
