package process

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalebench/scalebench/targets"
)

// The results folder (holding the log folder, its name full of what nginx
// configs care about) deleted between two targets:
// the next target starts anyway, nginx included, and logs into a new folder
// at the same place.
func TestLogDirDeletedMidRun(t *testing.T) {
	if _, err := lookNginx(); err != nil {
		t.Fatalf("nginx is needed for this test: %v (install it: apt-get install -y nginx)", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), `run "with; space{#`)
	logs := filepath.Join(out, "logs")
	d := New(Options{Exe: exe, LogDir: logs, RunID: "gone"})
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	first := up(t, d, targets.Spec{Name: "first", Topology: "single"})
	if err := first.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	second := up(t, d, targets.Spec{Name: "second", Topology: "replicas", Instances: 2, Balancer: "nginx"})
	if seen := instancesSeen(t, second.Endpoint()+"/", 4); len(seen) != 2 {
		t.Errorf("responses per instance = %v, want both instances", seen)
	}
	ents, err := os.ReadDir(logs)
	if err != nil {
		t.Fatalf("log folder not recreated: %v", err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !strings.Contains(strings.Join(names, " "), "second-nginx") {
		t.Errorf("log folder holds %v, want the second target's nginx", names)
	}
}
