package reaper

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets/pgroup"
)

// stopGrace is how long a leftover group has between its stop signal and
// SIGKILL (the drivers give a live one the same).
const stopGrace = 2 * time.Second

// DockerCleaner removes the containers and networks labelled with a run
// id and names what it removed (the CLI passes targets/docker's).
type DockerCleaner func(ctx context.Context, runID string) ([]string, error)

// CleanOptions say how leftovers are cleaned.
type CleanOptions struct {
	// Docker removes a run's containers and networks (nil: not done; the
	// docker driver's own sweep at its next start removes them).
	Docker DockerCleaner
	// DryRun lists what would be stopped without stopping anything.
	DryRun bool
}

// alive reports whether p is running (same pid, same start time).
func alive(p Proc) bool {
	if p.PID <= 0 {
		return false
	}
	got := pgroup.StartTime(p.PID)
	return got != "" && (p.Start == "" || got == p.Start)
}

// ours reports whether group g still exists and is the one recorded: the
// leader is the same process, or it is gone and the group has members (a
// pid is not reused while a process group of that id exists).
func ours(g Group) bool {
	if st := pgroup.StartTime(g.PID); st != "" {
		return g.Start == "" || st == g.Start
	}
	return len(pgroup.Members(g.PID)) > 0
}

// cleanup stops everything rec still holds, removes its containers and
// cgroups and marks its run abandoned.
func cleanup(ctx context.Context, rec *Record, opts CleanOptions) Cleaned {
	c := Cleaned{RunID: rec.RunID, Dir: rec.Dir, OwnerPID: rec.Owner.PID, At: time.Now().UTC()}
	c.Stopped = stopGroups(rec.Groups, opts.DryRun)
	if pids := cgroupProcs(rec.Cgroups); len(pids) > 0 {
		c.Stopped = append(c.Stopped, fmt.Sprintf("%d processes in the run's cgroups (pids %s)", len(pids), joinInts(pids)))
	}
	if opts.DryRun {
		return c
	}
	killCgroups(rec.Cgroups)
	if rec.Docker && opts.Docker != nil {
		removed, err := opts.Docker(ctx, rec.RunID)
		c.Docker = removed
		if err != nil {
			c.Errors = append(c.Errors, err.Error())
		}
	}
	marked, err := markAbandoned(rec)
	c.Abandoned = marked
	if err != nil {
		c.Errors = append(c.Errors, err.Error())
	}
	return c
}

// stopGroups stops the groups concurrently (one grace period in all) and
// describes those that were still running.
func stopGroups(groups []Group, dryRun bool) []string {
	var mu sync.Mutex
	var out []string
	var wg sync.WaitGroup
	for _, g := range groups {
		if !ours(g) {
			continue
		}
		wg.Go(func() {
			found := pgroup.Members(g.PID)
			if !dryRun {
				sig := syscall.Signal(g.Signal)
				if sig == 0 {
					sig = syscall.SIGTERM
				}
				found = pgroup.StopOrphans(g.PID, sig, stopGrace)
			}
			if len(found) == 0 {
				return
			}
			desc := fmt.Sprintf("%s (pids %s", g.Name, joinInts(found))
			if g.Port > 0 {
				desc += ", port " + strconv.Itoa(g.Port)
			}
			mu.Lock()
			out = append(out, desc+")")
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(out)
	return out
}

// cgroupProcs lists the processes still in the cgroup folders.
func cgroupProcs(dirs []string) []int {
	var out []int
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() && !slices.Contains(out, pid) {
				out = append(out, pid)
			}
		}
	}
	slices.Sort(out)
	return out
}

// killCgroups SIGKILLs what is left in the cgroup folders (a process that
// left its process group is still in its cgroup) and removes them, deepest
// first, with their now empty scalebench parents.
func killCgroups(dirs []string) {
	for range 50 {
		pids := cgroupProcs(dirs)
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		for dir := dirs[i]; strings.Contains(dir, "/scalebench/") || filepath.Base(dir) == "scalebench"; dir = filepath.Dir(dir) {
			if err := syscall.Rmdir(dir); err != nil && !errors.Is(err, syscall.ENOENT) {
				break
			}
			if filepath.Base(dir) == "scalebench" {
				break
			}
		}
	}
}

// markAbandoned sets the run's results.json status to "abandoned" when it
// still says "running", with a warning saying why.
func markAbandoned(rec *Record) (bool, error) {
	if rec.Dir == "" {
		return false, nil
	}
	if st, err := os.Stat(filepath.Join(rec.Dir, results.FileName)); err == nil && st.Size() == 0 {
		return false, nil // claimed, never written: the run died before it began
	}
	run, err := results.Read(rec.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark run abandoned: %w", err)
	}
	if run.Status != results.RunRunning {
		return false, nil
	}
	run.Status = results.RunAbandoned
	if rec.Target != "" && !slices.ContainsFunc(run.Targets, func(t results.Target) bool { return t.Name == rec.Target }) {
		run.Targets = append(run.Targets, results.Target{Name: rec.Target, Topology: rec.Topology, Status: results.StatusInterrupted,
			Error: "scalebench died while this target ran (the run was abandoned): what it measured was lost", Steps: []results.Step{}})
	}
	run.Warnings = append(run.Warnings, fmt.Sprintf("abandoned: scalebench (pid %d) ended without finishing the run (killed or crashed); what it had started was stopped at %s", rec.Owner.PID, time.Now().UTC().Format(time.RFC3339)))
	if err := results.Write(rec.Dir, run); err != nil {
		return false, fmt.Errorf("mark run abandoned: %w", err)
	}
	return true, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}
