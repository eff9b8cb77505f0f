package logtail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.log")
	if err := os.WriteFile(path, []byte(strings.Repeat("a", 100)+"END"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Read(path, 5); got != "aaEND" {
		t.Errorf("Read(path, 5) = %q, want %q", got, "aaEND")
	}
	if got := Read(path, 1<<20); len(got) != 103 {
		t.Errorf("Read(path, 1 MiB) has %d bytes, want the whole file (103)", len(got))
	}
	if got := Read(filepath.Join(t.TempDir(), "absent"), 5); got != "" {
		t.Errorf("Read(absent) = %q, want \"\"", got)
	}
}
