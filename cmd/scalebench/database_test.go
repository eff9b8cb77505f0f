package main

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/postgres"
)

// runDBScenario runs a scenario with args and checks that every target
// ran with database figures in its first step.
func runDBScenario(t *testing.T, args ...string) *results.Run {
	t.Helper()
	out := t.TempDir()
	runCLIGated(t, append([]string{"run"}, append(args, "--out", out, "--no-progress")...)...)
	run := readRun(t, out)
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK || len(tr.Steps) == 0 || tr.Steps[0].Database == nil {
			t.Fatalf("%s: status %q (%s), want ok with database figures", tr.Name, tr.Status, tr.Error)
		}
	}
	return run
}

// needPostgres fails the test, naming the install command, when
// PostgreSQL 15 is missing.
func needPostgres(t *testing.T) {
	t.Helper()
	if _, err := postgres.Find(""); err != nil {
		t.Fatal(err)
	}
}

// TestDatabaseSuite runs the database suite's three designs (--quick,
// read-heavy mix; the write-heavy targets differ only in weights) under
// the process driver: real primaries, replicas and shards, each step with
// database figures; reads land on the replicas or on both shards; only
// replicas read stale; nothing is left running.
func TestDatabaseSuite(t *testing.T) {
	needPostgres(t)
	before := pgLeftovers()
	got := runSuite(t, "database", "--target", "primary-read-heavy", "--target", "replicas-read-heavy", "--target", "sharded-read-heavy")
	if len(got) != 3 {
		t.Fatalf("got targets %v, want the three read-heavy ones", slices.Collect(maps.Keys(got)))
	}
	for name, tr := range got {
		if tr.Deployment.Components["postgres"] == "" || tr.Deployment.Components["postgres_durability"] == "" {
			t.Errorf("%s: components %v, want postgres and postgres_durability", name, tr.Deployment.Components)
		}
		for _, st := range tr.Steps {
			d := st.Database
			if d == nil {
				t.Fatalf("%s step %d: no database figures", name, st.Index)
			}
			checkNodes(t, name, tr.Topology, d)
		}
		d := top(tr).Database
		if d.ReadsPerS <= 0 || d.WritesPerS <= 0 {
			t.Errorf("%s: reads/s %v, writes/s %v, want both > 0", name, d.ReadsPerS, d.WritesPerS)
		}
	}
	checkNoPostgresLeft(t, before)
}

// checkNodes checks where the reads went for one step.
func checkNodes(t *testing.T, target, topology string, d *results.DatabaseStats) {
	t.Helper()
	reads := map[string]uint64{}
	for _, n := range d.Nodes {
		reads[n.Name] = n.Reads
	}
	switch topology {
	case "db-primary":
		if len(d.Nodes) != 1 || d.StaleReads != 0 || d.ReplicationLagMs != nil {
			t.Errorf("%s: nodes %v, stale %d, lag %v; want one primary, no stale reads, no lag", target, d.Nodes, d.StaleReads, d.ReplicationLagMs)
		}
	case "db-replicas":
		ok := len(d.Nodes) >= 2 && d.ReplicationLagMs != nil
		for _, n := range d.Nodes[1:] {
			ok = ok && n.Role == "replica" && n.Reads > 0
		}
		if !ok {
			t.Errorf("%s: nodes %v, lag %v; want a primary and replicas serving every read, lag sampled", target, d.Nodes, d.ReplicationLagMs)
		}
	case "db-sharded":
		if len(d.Nodes) != 2 || reads["shard-1"] == 0 || reads["shard-2"] == 0 || d.StaleReads != 0 {
			t.Errorf("%s: nodes %v, stale %d; want two shards serving reads, no stale reads", target, d.Nodes, d.StaleReads)
		}
	}
}

// TestDatabaseDocker runs db-primary and db-replicas under the docker
// driver with the offline PostgreSQL image.
func TestDatabaseDocker(t *testing.T) {
	args := dockerArgs(t)
	needPostgresImage(t)
	run := runDBScenario(t, append([]string{"testdata/db-docker.yaml", "--quick"}, args...)...)
	for _, tr := range run.Targets {
		if tr.Deployment.Images["postgres"] == "" || tr.Deployment.Components["postgres"] == "" {
			t.Errorf("%s: images %v components %v, want the postgres image and version", tr.Name, tr.Deployment.Images, tr.Deployment.Components)
		}
		checkNodes(t, tr.Name, tr.Topology, tr.Steps[0].Database)
	}
	checkNothingLeft(t, run.ID)
}

// needPostgresImage points the docker driver at the offline image.
func needPostgresImage(t *testing.T) {
	t.Helper()
	if os.Getenv("SCALEBENCH_POSTGRES_IMAGE") == "" {
		t.Setenv("SCALEBENCH_POSTGRES_IMAGE", "scalebench/postgres:ci")
	}
	if out, err := dockerImageInspect(os.Getenv("SCALEBENCH_POSTGRES_IMAGE")); err != nil {
		t.Fatalf("image %s is missing (%v%s): build it with `bash fixtures/images/build.sh`", os.Getenv("SCALEBENCH_POSTGRES_IMAGE"), err, out)
	}
}

// TestDatabaseInterrupt: Ctrl-C while a primary and its replica serve
// load stops every PostgreSQL server and removes its data folder.
func TestDatabaseInterrupt(t *testing.T) {
	needPostgres(t)
	before := pgLeftovers()
	out := t.TempDir()
	interruptDB(t, out, func() bool { return len(newLeftovers(before)) > 0 && hasSteps(out) })
	checkNoPostgresLeft(t, before)
}

// TestDatabaseInterruptDocker: the same under the docker driver leaves no
// container or network of the run.
func TestDatabaseInterruptDocker(t *testing.T) {
	args := dockerArgs(t)
	needPostgresImage(t)
	out := t.TempDir()
	runID := interruptDB(t, out, func() bool { return appContainerUp(out) }, args...)
	checkNothingLeft(t, runID)
}

// appContainerUp reports whether the run in out has an app container: the
// PostgreSQL containers before it are up and seeded (then load starts
// within a few seconds).
func appContainerUp(out string) bool {
	run, err := results.Read(out)
	if err != nil {
		return false
	}
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		return false
	}
	cs, err := pool.Client.ListContainers(dc.ListContainersOptions{Filters: map[string][]string{"label": {docker.LabelRun + "=" + run.ID, docker.LabelRole + "=app"}}})
	return err == nil && len(cs) > 0
}

// interruptDB runs testdata/slow-db.yaml into out, sends SIGINT once
// started reports the first target up, and checks the exit code and the
// statuses (first interrupted, second skipped). It returns the run id.
func interruptDB(t *testing.T, out string, started func() bool, args ...string) string {
	t.Helper()
	done := make(chan int, 1)
	go func() {
		code, _, _ := runCLI(t, append([]string{"run", "testdata/slow-db.yaml", "--out", out, "--no-progress"}, args...)...)
		done <- code
	}()
	deadline := time.Now().Add(120 * time.Second)
	for !started() {
		if time.Now().After(deadline) {
			t.Fatal("the first target did not start within 120 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	interrupt(t)
	select {
	case code := <-done:
		if code != exitRuntime {
			t.Errorf("exit code %d, want %d", code, exitRuntime)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not return within 60 s of SIGINT")
	}
	run := readRun(t, out)
	if len(run.Targets) != 2 || run.Targets[0].Status != results.StatusInterrupted || run.Targets[1].Status != results.StatusSkipped {
		t.Errorf("targets = %+v, want first interrupted and second skipped", run.Targets)
	}
	return run.ID
}

// hasSteps reports whether the run in out is under way: results.json is
// written once the first target is up and load has started.
func hasSteps(out string) bool {
	run, err := results.Read(out)
	return err == nil && run.Status == results.RunRunning && len(children()) > 0
}

// pgLeftovers lists the PostgreSQL work folders and server processes of
// scalebench now (other tests may run their own: compare with before).
func pgLeftovers() []string {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "scalebench-pg-*"))
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), "scalebench-pg-") {
			dirs = append(dirs, "process "+e.Name()+": "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
	}
	return dirs
}

// newLeftovers are the leftovers not in before.
func newLeftovers(before []string) []string {
	var out []string
	for _, l := range pgLeftovers() {
		if !slices.Contains(before, l) {
			out = append(out, l)
		}
	}
	return out
}

// checkNoPostgresLeft fails on a server process or work folder that was
// not there before the run (allowing a moment for orphans to exit).
func checkNoPostgresLeft(t *testing.T, before []string) {
	t.Helper()
	var left []string
	for range 50 {
		if left = newLeftovers(before); len(left) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("left behind: %v", left)
}

// interrupt sends this process SIGINT, as Ctrl-C does.
func interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// dockerImageInspect checks that image is in the local engine.
func dockerImageInspect(image string) (string, error) {
	pool, err := docker.Connect(context.Background(), "")
	if err != nil {
		return "", err
	}
	img, err := pool.Client.InspectImage(image)
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// TestDatabaseBehindCache: cached and nocache with database: postgres
// read a real PostgreSQL primary; the cache takes reads off it.
func TestDatabaseBehindCache(t *testing.T) {
	needPostgres(t)
	before := pgLeftovers()
	run := runDBScenario(t, "testdata/db-cached.yaml", "--quick")
	reads := map[string]uint64{}
	for _, tr := range run.Targets {
		st := tr.Steps[0]
		reads[tr.Name] = st.Database.Nodes[0].Reads
		if tr.Name == "cached" && !(hitRatio(st) > 0) {
			t.Errorf("cached: hit ratio %v, want > 0", hitRatio(st))
		}
	}
	if reads["cached"] >= reads["nocache"] {
		t.Errorf("primary reads: cached %d, nocache %d; want fewer behind the cache", reads["cached"], reads["nocache"])
	}
	checkNoPostgresLeft(t, before)
}

// TestDatabaseFlowsCountStaleReads: a read-after-write flow (POST then
// GET of the same key) on db-replicas counts its stale reads in
// steps[].database; on db-primary it never reads stale.
func TestDatabaseFlowsCountStaleReads(t *testing.T) {
	needPostgres(t)
	before := pgLeftovers()
	run := runDBScenario(t, "testdata/db-flows.yaml")
	for _, tr := range run.Targets {
		d := tr.Steps[0].Database
		t.Logf("%s: %d stale of %d reads after write, lag %+v", tr.Name, d.StaleReads, d.ReadsAfterWrite, d.ReplicationLagMs)
		if d.ReadsPerS <= 0 || d.WritesPerS <= 0 || d.ReadsAfterWrite == 0 {
			t.Errorf("%s: reads/s %v, writes/s %v, reads after write %d; want every view checked against its update", tr.Name, d.ReadsPerS, d.WritesPerS, d.ReadsAfterWrite)
		}
		switch tr.Name {
		case "replicas":
			if d.StaleReads == 0 {
				t.Errorf("replicas: no stale reads in %d reads after write (lag %+v); want the views that beat replay counted", d.ReadsAfterWrite, d.ReplicationLagMs)
			}
		case "primary":
			if d.StaleReads != 0 {
				t.Errorf("primary: %d stale reads, want 0", d.StaleReads)
			}
		}
	}
	checkNoPostgresLeft(t, before)
}
