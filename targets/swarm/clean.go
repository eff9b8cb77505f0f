package swarm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/scalebench/scalebench/targets/docker"
)

// CleanOptions choose what Clean removes.
type CleanOptions struct {
	// All removes every scalebench service, config, container and network,
	// including those of runs still alive.
	All bool
	// LeaveSwarm also leaves a swarm scalebench initialised once nothing of
	// scalebench runs on it any more.
	LeaveSwarm bool
}

// Removed lists what Clean removed, by name.
type Removed struct {
	Services, Configs, Containers, Networks []string
	// LeftSwarm is true when the node left a swarm scalebench had made.
	LeftSwarm bool
}

// Empty reports whether nothing was removed.
func (r Removed) Empty() bool {
	return len(r.Services)+len(r.Configs)+len(r.Containers)+len(r.Networks) == 0 && !r.LeftSwarm
}

// String is a one-line summary.
func (r Removed) String() string {
	s := fmt.Sprintf("%d services (%s), %d configs, %d containers, %d networks",
		len(r.Services), strings.Join(r.Services, ", "), len(r.Configs), len(r.Containers), len(r.Networks))
	if r.LeftSwarm {
		s += "; left the single-node swarm scalebench had made"
	}
	return s
}

// Clean removes the Swarm objects labelled scalebench=1 whose run is no
// longer alive (docker.Alive), or all of them with opts.All. New calls it
// at the start of every run; `scalebench clean --driver swarm` calls it too.
func Clean(ctx context.Context, cli *client.Client, opts CleanOptions) (Removed, error) {
	keep := func(labels map[string]string) bool { return !opts.All && docker.Alive(labels) }
	removed, err := removeLabelled(ctx, cli, docker.LabelScalebench+"=1", keep)
	if err != nil || !opts.LeaveSwarm {
		return removed, err
	}
	left, err := leaveIfOurs(ctx, cli)
	removed.LeftSwarm = left
	return removed, err
}

// leaveIfOurs leaves the swarm when scalebench initialised it and no
// scalebench service is left on it.
func leaveIfOurs(ctx context.Context, cli *client.Client) (bool, error) {
	info, err := cli.Info(ctx)
	if err != nil || info.Swarm.NodeID == "" || !info.Swarm.ControlAvailable {
		return false, err
	}
	node, _, err := cli.NodeInspectWithRaw(ctx, info.Swarm.NodeID)
	if err != nil || node.Spec.Labels[LabelInit] == "" {
		return false, err
	}
	svcs, err := cli.ServiceList(ctx, types.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", docker.LabelScalebench+"=1"))})
	if err != nil || len(svcs) > 0 {
		return false, err
	}
	return true, leave(ctx, cli)
}

// removeLabelled removes services, the relay containers, configs and
// networks matching the label filter, except those keep returns true for
// (nil: keep none). Services go first: a network or config in use cannot
// be removed until their tasks are gone.
func removeLabelled(ctx context.Context, cli *client.Client, label string, keep func(map[string]string) bool) (Removed, error) {
	var r Removed
	var errs []error
	f := filters.NewArgs(filters.Arg("label", label))
	skip := func(l map[string]string) bool { return keep != nil && keep(l) }
	if svcs, err := cli.ServiceList(ctx, types.ServiceListOptions{Filters: f}); err != nil {
		errs = append(errs, err)
	} else {
		for _, s := range svcs {
			if skip(s.Spec.Labels) {
				continue
			}
			if err := cli.ServiceRemove(ctx, s.ID); err != nil && !client.IsErrNotFound(err) {
				errs = append(errs, err)
				continue
			}
			r.Services = append(r.Services, s.Spec.Name)
		}
	}
	if cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f}); err != nil {
		errs = append(errs, err)
	} else {
		for _, c := range cs {
			if skip(c.Labels) {
				continue
			}
			if err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !client.IsErrNotFound(err) {
				errs = append(errs, err)
				continue
			}
			r.Containers = append(r.Containers, strings.TrimPrefix(firstOf(c.Names), "/"))
		}
	}
	r.Configs, errs = removeConfigs(ctx, cli, f, skip, errs)
	r.Networks, errs = removeNetworks(ctx, cli, f, skip, errs)
	return r, errors.Join(errs...)
}

func removeConfigs(ctx context.Context, cli *client.Client, f filters.Args, skip func(map[string]string) bool, errs []error) ([]string, []error) {
	cfgs, err := cli.ConfigList(ctx, types.ConfigListOptions{Filters: f})
	if err != nil {
		return nil, append(errs, err)
	}
	var names []string
	for _, c := range cfgs {
		if skip(c.Spec.Labels) {
			continue
		}
		if err := retry(ctx, func() error { return cli.ConfigRemove(ctx, c.ID) }); err != nil {
			errs = append(errs, err)
			continue
		}
		names = append(names, c.Spec.Name)
	}
	return names, errs
}

func removeNetworks(ctx context.Context, cli *client.Client, f filters.Args, skip func(map[string]string) bool, errs []error) ([]string, []error) {
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, append(errs, err)
	}
	var names []string
	for _, n := range nets {
		if skip(n.Labels) {
			continue
		}
		if err := retry(ctx, func() error { return cli.NetworkRemove(ctx, n.ID) }); err != nil {
			errs = append(errs, err)
			continue
		}
		names = append(names, n.Name)
	}
	return names, errs
}

// retry calls remove until it succeeds, the object is gone, or about 15 s
// have passed: a service's tasks take a moment to stop after the service
// is removed, and its network and configs stay in use until they have.
func retry(ctx context.Context, remove func() error) error {
	var err error
	for range 60 {
		if err = remove(); err == nil || client.IsErrNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
	return err
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
