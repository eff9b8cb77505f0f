package swarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/docker"
)

// StartError is returned by Up when a target could not be brought up; it
// carries the tail of each service's log, read before they were removed.
type StartError struct {
	Err  error
	logs map[string]string
}

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Logs returns the tail of each service's log, keyed by component.
func (e *StartError) Logs() map[string]string { return e.logs }

// deployment is one target's services.
type deployment struct {
	d      *Driver
	spec   targets.Spec
	layout targets.Layout
	base   string
	labels map[string]string
	info   results.Deployment

	network  string
	services map[string]string // component name → service id
	relay    string            // relay container id
	configs  int               // nginx configs created so far
	endpoint string

	down atomic.Bool // Down has run
}

var _ targets.Deployment = (*deployment)(nil)

func (d *Driver) newDeployment(spec targets.Spec, l targets.Layout) *deployment {
	labels := docker.Labels(d.runID)
	labels[docker.LabelTarget] = spec.Name
	labels[LabelTarget] = d.runID + "/" + spec.Name
	return &deployment{d: d, spec: spec, layout: l, base: objectName("sb", d.runID, spec.Name), labels: labels,
		info: d.info(spec, l), services: map[string]string{}}
}

// Endpoint is the relay's address on 127.0.0.1.
func (dep *deployment) Endpoint() string { return dep.endpoint }

// Info records what was started.
func (dep *deployment) Info() results.Deployment { return dep.info }

// tasks lists the running tasks of the service of component name.
func (dep *deployment) tasks(ctx context.Context, name string) ([]swarm.Task, error) {
	id, ok := dep.services[name]
	if !ok {
		return nil, fmt.Errorf("no service for component %q", name)
	}
	return dep.d.cli.TaskList(ctx, types.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", id), filters.Arg("desired-state", "running"))})
}

// waitRunning waits until every replica of component name runs, and fails
// at once when a task failed or was rejected.
func (dep *deployment) waitRunning(ctx context.Context, name string) error {
	c, _ := dep.layout.Component(name)
	want := max(c.Replicas, 1)
	for {
		ts, err := dep.tasks(ctx, name)
		if err != nil {
			return err
		}
		running := 0
		for _, t := range ts {
			switch t.Status.State {
			case swarm.TaskStateRunning:
				running++
			case swarm.TaskStateFailed, swarm.TaskStateRejected, swarm.TaskStateComplete, swarm.TaskStateShutdown:
				return fmt.Errorf("service %s: task %d %s: %s %s", name, t.Slot, t.Status.State, t.Status.Err, t.Status.Message)
			}
		}
		if running >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s: %d of %d tasks running: %w", name, running, want, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// startRelay publishes the entry component on 127.0.0.1 through a relay
// container on the target's network.
func (d *Driver) startRelay(ctx context.Context, dep *deployment, entry targets.Component, image string) error {
	port := nat.Port(strconv.Itoa(targets.AppPort) + "/tcp")
	cfg := &container.Config{
		Image:        image,
		Cmd:          []string{"relay", "--listen", "0.0.0.0:" + strconv.Itoa(targets.AppPort), "--to", entry.Name + ":" + strconv.Itoa(entry.Port)},
		Labels:       dep.labels,
		ExposedPorts: nat.PortSet{port: {}},
	}
	host := &container.HostConfig{
		PortBindings:  nat.PortMap{port: {{HostIP: "127.0.0.1", HostPort: ""}}},
		RestartPolicy: container.RestartPolicy{Name: "no"},
	}
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{dep.base: {NetworkID: dep.network}}}
	resp, err := d.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, dep.base+"-relay")
	if err != nil {
		return fmt.Errorf("create relay container: %w", err)
	}
	dep.relay = resp.ID
	if err := d.cli.ContainerStart(ctx, resp.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("start relay container: %w", err)
	}
	ins, err := d.cli.ContainerInspect(ctx, resp.ID)
	if err != nil {
		return err
	}
	b := ins.NetworkSettings.Ports[port]
	if len(b) == 0 {
		return errors.New("relay container: no published port")
	}
	dep.endpoint = "http://127.0.0.1:" + b[0].HostPort
	dep.info.Endpoint = dep.endpoint
	return nil
}

// waitReady polls the entry's health path through the relay until it
// answers 200.
func (dep *deployment) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	url := dep.endpoint + dep.layout.Health
	var last error
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		if derr := dep.Err(); derr != nil {
			return derr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("entry not ready at %s: %v: %w", url, last, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// Sample sums the CPU seconds and memory of every running task (the
// relay is the measurement's, not the target's, and is left out).
func (dep *deployment) Sample(ctx context.Context) (targets.Usage, error) {
	var u targets.Usage
	for name := range dep.services {
		ts, err := dep.tasks(ctx, name)
		if err != nil {
			return u, err
		}
		for _, t := range ts {
			cs := t.Status.ContainerStatus
			if cs == nil || t.Status.State != swarm.TaskStateRunning {
				continue
			}
			cpu, mem, err := docker.LocalUsage(cs.PID, cs.ContainerID)
			if err != nil {
				return u, fmt.Errorf("task %s.%d: %w", name, t.Slot, err)
			}
			u.CPUSeconds += cpu
			u.RSSBytes += mem
		}
	}
	return u, nil
}

// Err is non-nil once a task that should run has stopped (services have
// restart condition none, so a dead task stays dead and is reported).
func (dep *deployment) Err() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for name := range dep.services {
		ts, err := dep.tasks(ctx, name)
		if err != nil {
			continue
		}
		for _, t := range ts {
			switch t.Status.State {
			case swarm.TaskStateFailed, swarm.TaskStateComplete, swarm.TaskStateRejected, swarm.TaskStateShutdown:
				return fmt.Errorf("service %s: task %d %s: %s", name, t.Slot, t.Status.State, strings.TrimSpace(t.Status.Err))
			}
		}
	}
	return nil
}

// Logs returns the last lines of each service's log.
func (dep *deployment) Logs() map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := map[string]string{}
	for name, id := range maps.Clone(dep.services) {
		rc, err := dep.d.cli.ServiceLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "40"})
		if err != nil {
			continue
		}
		var b bytes.Buffer
		_, _ = stdcopy.StdCopy(&b, &b, rc)
		_ = rc.Close()
		if s := strings.TrimSpace(b.String()); s != "" {
			out[name] = s
		}
	}
	return out
}

// Down removes the target's relay, services, configs and network. It runs
// with its own time bound when ctx is already cancelled and is safe to
// call twice.
func (dep *deployment) Down(ctx context.Context) error {
	if !dep.down.CompareAndSwap(false, true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_, err := removeLabelled(ctx, dep.d.cli, LabelTarget+"="+dep.d.runID+"/"+dep.spec.Name, nil)
	return err
}

// Scale sets the replica count of component name (the app by default)
// while load runs, waits until the new tasks run, and restarts an nginx
// balancer so it resolves the new set of tasks.
func (dep *deployment) Scale(ctx context.Context, name string, replicas int) error {
	id, ok := dep.services[name]
	if !ok {
		return fmt.Errorf("no component %q", name)
	}
	svc, _, err := dep.d.cli.ServiceInspectWithRaw(ctx, id, types.ServiceInspectOptions{})
	if err != nil {
		return err
	}
	n := uint64(replicas)
	svc.Spec.Mode.Replicated.Replicas = &n
	if _, err := dep.d.cli.ServiceUpdate(ctx, id, svc.Version, svc.Spec, types.ServiceUpdateOptions{}); err != nil {
		return fmt.Errorf("scale %s to %d: %w", name, replicas, err)
	}
	for i, c := range dep.layout.Components {
		if c.Name == name {
			dep.layout.Components[i].Replicas = replicas
		}
	}
	if err := dep.waitRunning(ctx, name); err != nil {
		return err
	}
	dep.info.Instances = replicas
	if b, ok := dep.layout.Component("balancer"); ok && b.Upstream == name {
		return dep.rebalance(ctx, b)
	}
	return nil
}

// rebalance updates balancer b to the current tasks of its backend; Swarm
// replaces its task (start-first, so the entry keeps answering).
func (dep *deployment) rebalance(ctx context.Context, b targets.Component) error {
	id := dep.services[b.Name]
	svc, _, err := dep.d.cli.ServiceInspectWithRaw(ctx, id, types.ServiceInspectOptions{})
	if err != nil {
		return err
	}
	if err := dep.d.balancerSpec(ctx, dep, b, svc.Spec.TaskTemplate.ContainerSpec); err != nil {
		return err
	}
	svc.Spec.UpdateConfig = &swarm.UpdateConfig{Parallelism: 1, Order: swarm.UpdateOrderStartFirst}
	if _, err := dep.d.cli.ServiceUpdate(ctx, id, svc.Version, svc.Spec, types.ServiceUpdateOptions{}); err != nil {
		return fmt.Errorf("update balancer: %w", err)
	}
	return dep.waitUpdated(ctx, b.Name)
}

// waitUpdated waits until the rolling update of component name has
// completed: until then the old task may still take connections.
func (dep *deployment) waitUpdated(ctx context.Context, name string) error {
	for {
		svc, _, err := dep.d.cli.ServiceInspectWithRaw(ctx, dep.services[name], types.ServiceInspectOptions{})
		if err != nil {
			return err
		}
		if st := svc.UpdateStatus; st != nil {
			switch st.State {
			case swarm.UpdateStateCompleted:
				return dep.waitRunning(ctx, name)
			case swarm.UpdateStatePaused, swarm.UpdateStateRollbackCompleted, swarm.UpdateStateRollbackPaused:
				return fmt.Errorf("update of %s: %s: %s", name, st.State, st.Message)
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("update of %s did not complete: %w", name, ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// taskAddrs lists host:port of every running task of component name on
// the target's network.
func (dep *deployment) taskAddrs(ctx context.Context, name string) ([]string, error) {
	c, _ := dep.layout.Component(name)
	ts, err := dep.tasks(ctx, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range ts {
		if t.Status.State != swarm.TaskStateRunning {
			continue
		}
		for _, na := range t.NetworksAttachments {
			if na.Network.ID != dep.network || len(na.Addresses) == 0 {
				continue
			}
			ip, _, _ := strings.Cut(na.Addresses[0], "/")
			out = append(out, ip+":"+strconv.Itoa(c.Port))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("service %s: no running task has an address on the target's network", name)
	}
	slices.Sort(out)
	return out, nil
}

// urlDep is a `url:` target: nothing to start.
type urlDep struct{ info results.Deployment }

func urlDeployment(spec targets.Spec) targets.Deployment {
	return &urlDep{info: results.Deployment{Driver: "swarm", Endpoint: spec.URL, Instances: 1}}
}

func (u *urlDep) Endpoint() string                              { return u.info.Endpoint }
func (u *urlDep) Info() results.Deployment                      { return u.info }
func (u *urlDep) Sample(context.Context) (targets.Usage, error) { return targets.Usage{}, nil }
func (u *urlDep) Err() error                                    { return nil }
func (u *urlDep) Logs() map[string]string                       { return nil }
func (u *urlDep) Down(context.Context) error                    { return nil }
