package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// CleanOptions choose what Clean removes.
type CleanOptions struct {
	// All removes every scalebench container and network, including those
	// of runs still alive and of other hosts sharing the engine.
	All bool
	// DryRun lists what would be removed without removing it.
	DryRun bool
}

// Removed lists what Clean removed, by name.
type Removed struct {
	Containers []string
	Networks   []string
}

// Empty reports whether nothing was removed.
func (r Removed) Empty() bool { return len(r.Containers) == 0 && len(r.Networks) == 0 }

// String is a one-line summary.
func (r Removed) String() string {
	return fmt.Sprintf("%d containers (%s), %d networks (%s)",
		len(r.Containers), strings.Join(r.Containers, ", "), len(r.Networks), strings.Join(r.Networks, ", "))
}

// Clean removes the containers and networks labelled scalebench=1 whose
// run is no longer alive: the scalebench process named by their labels
// (scalebench.pid, with its start time scalebench.pid_start so a reused
// pid does not count) is not running on this host. Resources of another
// host (scalebench.host differs from this host name, e.g. scalebench in
// another container sharing the engine) are left alone unless opts.All.
// New calls it at the start of every run; `scalebench clean` calls it too.
func Clean(ctx context.Context, pool *dockertest.Pool, opts CleanOptions) (Removed, error) {
	host, _ := os.Hostname()
	keep := func(labels map[string]string) bool {
		if opts.All {
			return false
		}
		if h := labels[LabelHost]; h != "" && h != host {
			return true
		}
		return alive(labels[LabelPID], labels[LabelPIDStart])
	}
	if opts.DryRun {
		return listLabelled(ctx, pool, LabelScalebench+"=1", keep)
	}
	return removeLabelled(ctx, pool, LabelScalebench+"=1", keep)
}

// alive reports whether process pid, started at start (field 22 of
// /proc/pid/stat), is running.
func alive(pid, start string) bool {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return false
	}
	got := pidStart(n)
	return got != "" && (start == "" || got == start)
}

// pidStart returns the start time of process pid in clock ticks since
// boot, or "" when it is not running.
func pidStart(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces; fields after its ')' are plain.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19] // field 22: starttime
}

// listLabelled lists containers and networks matching the label filter
// that keep does not claim.
func listLabelled(ctx context.Context, pool *dockertest.Pool, filter string, keep func(map[string]string) bool) (Removed, error) {
	var r Removed
	cs, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {filter}}, Context: ctx})
	if err != nil {
		return r, fmt.Errorf("list scalebench containers: %w", err)
	}
	for _, c := range cs {
		if keep == nil || !keep(c.Labels) {
			r.Containers = append(r.Containers, containerLabel(c))
		}
	}
	ns, err := pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {filter: true}})
	if err != nil {
		return r, fmt.Errorf("list scalebench networks: %w", err)
	}
	for _, n := range ns {
		if keep == nil || !keep(n.Labels) {
			r.Networks = append(r.Networks, n.Name)
		}
	}
	sort.Strings(r.Containers)
	sort.Strings(r.Networks)
	return r, nil
}

// removeLabelled removes the containers, then the networks, matching the
// label filter that keep does not claim.
func removeLabelled(ctx context.Context, pool *dockertest.Pool, filter string, keep func(map[string]string) bool) (Removed, error) {
	var r Removed
	var errs []error
	cs, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {filter}}, Context: ctx})
	if err != nil {
		return r, fmt.Errorf("list scalebench containers: %w", err)
	}
	for _, c := range cs {
		if keep != nil && keep(c.Labels) {
			continue
		}
		err := pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true, Context: ctx})
		if err != nil && !isNoSuch(err) {
			errs = append(errs, fmt.Errorf("remove container %s: %w", containerLabel(c), err))
			continue
		}
		r.Containers = append(r.Containers, containerLabel(c))
	}
	ns, err := pool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {filter: true}})
	if err != nil {
		return r, errors.Join(append(errs, fmt.Errorf("list scalebench networks: %w", err))...)
	}
	for _, n := range ns {
		if keep != nil && keep(n.Labels) {
			continue
		}
		if err := pool.Client.RemoveNetwork(n.ID); err != nil {
			if _, ok := err.(*dc.NoSuchNetwork); !ok {
				errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
				continue
			}
		}
		r.Networks = append(r.Networks, n.Name)
	}
	sort.Strings(r.Containers)
	sort.Strings(r.Networks)
	return r, errors.Join(errs...)
}

// containerLabel names a listed container.
func containerLabel(c dc.APIContainers) string {
	if len(c.Names) > 0 {
		return strings.TrimPrefix(c.Names[0], "/")
	}
	return c.ID[:12]
}

// CleanRun removes every container and network labelled with runID,
// whoever owns it (the guard of a killed run calls it; Close does the
// same for a live one).
func CleanRun(ctx context.Context, pool *dockertest.Pool, runID string) (Removed, error) {
	return removeLabelled(ctx, pool, LabelRun+"="+runID, nil)
}
