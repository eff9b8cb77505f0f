package reaper

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/pgroup"
)

// Claim hands out base, base-2, … and skips ids whose folder is taken.
func TestClaimUnique(t *testing.T) {
	state := t.TempDir()
	taken := map[string]bool{"r-2": true}
	folder := func(id string) (string, error) {
		if taken[id] {
			return "", ErrTaken
		}
		return filepath.Join(t.TempDir(), id), nil
	}
	var ids []string
	for range 3 {
		g, id, _, err := Claim("r", folder, Options{StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		ids = append(ids, id)
	}
	if got := strings.Join(ids, " "); got != "r r-3 r-4" {
		t.Errorf("ids = %s, want r r-3 r-4", got)
	}
}

// deadRecord writes the record of a run whose owner is gone, holding a
// live process group started here (as a leftover would be), and a run
// folder whose results.json says "running".
func deadRecord(t *testing.T, state string) (*Record, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 60 & wait`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	time.Sleep(100 * time.Millisecond)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := results.Write(dir, &results.Run{SchemaVersion: results.SchemaVersion, ID: "dead", Status: results.RunRunning}); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	rec := &Record{RunID: "dead", Dir: dir, Owner: Proc{PID: dead.Process.Pid, Start: "1"}, Target: "t", Topology: "single",
		Groups: []Group{{Proc: Proc{PID: pid, Start: pgroup.StartTime(pid)}, Name: "t/instance-1", Signal: int(syscall.SIGTERM), Port: 1234}}}
	if err := writeRecord(recordPath(state, "dead"), rec); err != nil {
		t.Fatal(err)
	}
	return rec, cmd
}

// Sweep stops a dead run's leftover group (one that ignores SIGTERM),
// marks the run abandoned and deletes the record; --dry-run only lists.
func TestSweepDeadRun(t *testing.T) {
	state := t.TempDir()
	rec, cmd := deadRecord(t, state)
	dry, err := Sweep(context.Background(), state, CleanOptions{DryRun: true})
	if err != nil || len(dry) != 1 || len(dry[0].Stopped) != 1 || len(pgroup.Members(cmd.Process.Pid)) == 0 {
		t.Fatalf("dry run = %+v, %v; want the group listed and left running", dry, err)
	}
	got, err := Sweep(context.Background(), state, CleanOptions{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Sweep = %+v, %v; want one run", got, err)
	}
	if s := got[0].String(); !strings.Contains(s, "t/instance-1 (pids") || !strings.Contains(s, "port 1234") || !strings.Contains(s, "marked abandoned") {
		t.Errorf("Cleaned = %s; want the group, its port and the abandoned mark", s)
	}
	if live := pgroup.Members(cmd.Process.Pid); len(live) > 0 {
		t.Errorf("group still has %v", live)
	}
	run, err := results.Read(rec.Dir)
	if err != nil || run.Status != results.RunAbandoned || len(run.Warnings) == 0 {
		t.Fatalf("run = %+v, %v; want status abandoned with a warning", run, err)
	}
	if len(run.Targets) != 1 || run.Targets[0].Name != "t" || run.Targets[0].Status != results.StatusInterrupted || run.Targets[0].Topology != "single" {
		t.Errorf("targets = %+v, want t (single) interrupted", run.Targets)
	}
	if _, err := os.Stat(recordPath(state, "dead")); !os.IsNotExist(err) {
		t.Errorf("record still there: %v", err)
	}
}

// A live run's record is left alone.
func TestSweepLeavesLiveRuns(t *testing.T) {
	state := t.TempDir()
	g, _, _, err := Claim("live", func(id string) (string, error) { return t.TempDir(), nil }, Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	got, err := Sweep(context.Background(), state, CleanOptions{})
	if err != nil || len(got) != 0 {
		t.Errorf("Sweep = %+v, %v; want nothing", got, err)
	}
	if _, err := os.Stat(g.Path()); err != nil {
		t.Errorf("live record removed: %v", err)
	}
}

// Watch, after its input ends with the owner dead, stops the groups and
// notes it in the record.
func TestWatchAfterOwnerDied(t *testing.T) {
	state := t.TempDir()
	rec, cmd := deadRecord(t, state)
	var log strings.Builder
	if err := Watch(strings.NewReader(""), recordPath(state, "dead"), CleanOptions{}, &log); err != nil {
		t.Fatal(err)
	}
	if live := pgroup.Members(cmd.Process.Pid); len(live) > 0 {
		t.Errorf("group still has %v", live)
	}
	got, err := readRecord(recordPath(state, "dead"))
	if err != nil || got.Reaped == nil || !got.Reaped.Abandoned || len(got.Groups) != 0 {
		t.Errorf("record after Watch = %+v, %v; want Reaped, abandoned, no groups", got, err)
	}
	if !strings.Contains(log.String(), "cleaned up after run dead") {
		t.Errorf("log = %q", log.String())
	}
	// The next sweep reports what the guard did and deletes the record.
	cl, err := Sweep(context.Background(), state, CleanOptions{})
	if err != nil || len(cl) != 1 || !cl[0].ByGuard || !strings.Contains(cl[0].String(), "its guard stopped 1 process group:") {
		t.Errorf("Sweep after Watch = %+v, %v", cl, err)
	}
	_ = rec
}
