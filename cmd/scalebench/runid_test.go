package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/reaper"
)

// runTwice runs two copies of scenario at once (the same second, most of
// the time) and returns their run folders: into the default folder under
// a fresh working directory, or with outs, into out/0 and out/1.
func runTwice(t *testing.T, scenario string, outs bool, args ...string) []string {
	t.Helper()
	abs, err := filepath.Abs(scenario)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(reaper.EnvStateDir, t.TempDir())
	pattern := filepath.Join("results", "runs", "*")
	if outs {
		pattern = filepath.Join(t.TempDir(), "*")
	} else {
		t.Chdir(t.TempDir())
	}
	var wg sync.WaitGroup
	codes, errs := make([]int, 2), make([]string, 2)
	for i := range 2 {
		a := append([]string{"run", abs, "--no-progress"}, args...)
		if outs {
			a = append(a, "--out", filepath.Join(filepath.Dir(pattern), strconv.Itoa(i)))
		}
		wg.Go(func() { codes[i], _, errs[i] = runCLI(t, a...) })
	}
	wg.Wait()
	for i := range 2 {
		if codes[i] != 0 || strings.Contains(errs[i], "panic") {
			t.Errorf("run %d: exit %d\n%s", i, codes[i], errs[i])
		}
	}
	dirs, _ := filepath.Glob(pattern)
	var ids []string
	if len(dirs) != 2 {
		t.Fatalf("run folders %v, want two", dirs)
	}
	for _, dir := range dirs {
		run := readRun(t, dir)
		if (!outs && run.ID != filepath.Base(dir)) || run.Status != results.RunCompleted {
			t.Errorf("%s: id %q, status %q; want the folder's name, completed", dir, run.ID, run.Status)
		}
		ids = append(ids, run.ID)
	}
	if ids[0] == ids[1] {
		t.Errorf("both runs have id %s", ids[0])
	}
	return dirs
}

// Two runs of one scenario started in the same second get two ids and two
// folders; neither overwrites the other.
func TestSameSecondRuns(t *testing.T) {
	runTwice(t, "testdata/tiny.yaml", false)
}

// The same under the docker driver, each into its own --out: two ids, so
// neither removes the other's network (and nothing panics).
func TestSameSecondRunsDocker(t *testing.T) {
	runTwice(t, "testdata/tiny.yaml", true, dockerArgs(t)...)
}

// --out naming a folder that holds a run is refused; the run in it is
// left as it was.
func TestOutHoldingRunRefused(t *testing.T) {
	t.Setenv(reaper.EnvStateDir, t.TempDir())
	out := t.TempDir()
	old := []byte(`{"schema_version": "1.0", "id": "old"}`)
	if err := os.WriteFile(filepath.Join(out, results.FileName), old, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--out", out, "--no-progress")
	if code != exitUsage || !strings.Contains(stderr, "already holds a run") {
		t.Errorf("exit %d, stderr %q; want exit 2 saying the folder holds a run", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(out, results.FileName)); string(got) != string(old) {
		t.Errorf("results.json changed to %q", got)
	}
}

// A run that fails before it starts (here: no docker engine at this
// address) gives its claimed --out back: a retry is not refused.
func TestFailedStartReleasesOut(t *testing.T) {
	t.Setenv(reaper.EnvStateDir, t.TempDir())
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	out := t.TempDir()
	for range 2 {
		code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--driver", "docker", "--out", out, "--no-progress")
		if code != exitRuntime || strings.Contains(stderr, "already holds a run") {
			t.Fatalf("exit %d, stderr %q; want exit 1 for the missing engine, never a refused folder", code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(out, results.FileName)); !os.IsNotExist(err) {
		t.Errorf("results.json left in %s: %v", out, err)
	}
}
