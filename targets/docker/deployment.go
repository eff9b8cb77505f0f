package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// logTail is how many lines of each container's log Logs keeps.
const logTail = 50

// deployment is a target running as containers.
type deployment struct {
	d          *Driver
	spec       targets.Spec
	info       results.Deployment
	endpoint   string
	containers []*container

	mu    sync.Mutex
	down  bool
	redis *container        // the Redis container, nil when the target has none
	logs  map[string]string // captured by Down, so Logs still works after it
	// fleet is what faults act on (faults.go).
	fleet *fleet
	// services are a service graph's running services (microservices.go).
	services []targets.RunningService
}

// Endpoint is the entry container's published port on 127.0.0.1.
func (dep *deployment) Endpoint() string { return dep.endpoint }

// Info records the containers' images, limits and placement.
func (dep *deployment) Info() results.Deployment { return dep.info }

// Sample sums CPU time and memory in use over the target's containers,
// from the Docker stats API.
func (dep *deployment) Sample(ctx context.Context) (targets.Usage, error) {
	return dep.d.sample(ctx, dep.current())
}

// Err is non-nil once a container of the target other than its Redis has
// exited (a dead Redis is reported by RedisErr and does not fail the
// target, as with the process driver).
func (dep *deployment) Err() error {
	dep.mu.Lock()
	down := dep.down
	dep.mu.Unlock()
	if down {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range dep.current() {
		if c.role == "redis" || dep.faulted(c) {
			continue
		}
		if err := dep.d.exited(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// exited is non-nil when container c is no longer running.
func (d *Driver) exited(ctx context.Context, c *container) error {
	info, err := d.pool.Client.InspectContainerWithContext(c.id, ctx)
	if err != nil {
		if isNoSuch(err) {
			return fmt.Errorf("%s container %s was removed", c.role, c.name)
		}
		return nil // the engine is busy: not the target's failure
	}
	if info.State.Running {
		return nil
	}
	msg := fmt.Sprintf("%s container %s exited unexpectedly with code %d", c.role, c.name, info.State.ExitCode)
	if info.State.OOMKilled {
		msg += " (killed: out of memory)"
	}
	if info.State.Error != "" {
		msg += ": " + info.State.Error
	}
	return errors.New(msg)
}

// Logs returns the last lines of each container's log, keyed by container
// role (app, replica-0, nginx…).
func (dep *deployment) Logs() map[string]string {
	dep.mu.Lock()
	if dep.logs != nil {
		defer dep.mu.Unlock()
		return dep.logs
	}
	dep.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := map[string]string{}
	for _, c := range dep.current() {
		var buf bytes.Buffer
		err := dep.d.pool.Client.Logs(dc.LogsOptions{Context: ctx, Container: c.id, OutputStream: &buf, ErrorStream: &buf,
			Stdout: true, Stderr: true, Tail: fmt.Sprint(logTail)})
		if err != nil {
			buf.WriteString(fmt.Sprintf("(logs unavailable: %v)", err))
		}
		out[componentName(c)] = buf.String()
	}
	return out
}

// componentName keys a container in Logs.
func componentName(c *container) string {
	return c.name
}

// Down captures the logs, then removes every container of the target. It
// removes even when ctx is cancelled and is safe to call more than once.
func (dep *deployment) Down(ctx context.Context) error {
	dep.mu.Lock()
	if dep.down {
		dep.mu.Unlock()
		return nil
	}
	dep.mu.Unlock()
	logs := dep.Logs()
	dep.mu.Lock()
	dep.down = true
	dep.logs = logs
	dep.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var errs []error
	cs := dep.current()
	for i := len(cs) - 1; i >= 0; i-- {
		if err := dep.d.remove(ctx, cs[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// urlDeployment is a running service: nothing to start or stop.
func urlDeployment(spec targets.Spec) targets.Deployment {
	return &urlDep{url: spec.URL, info: results.Deployment{Driver: "docker", Endpoint: spec.URL, Instances: 1}}
}

type urlDep struct {
	url  string
	info results.Deployment
}

func (u *urlDep) Endpoint() string                              { return u.url }
func (u *urlDep) Info() results.Deployment                      { return u.info }
func (u *urlDep) Sample(context.Context) (targets.Usage, error) { return targets.Usage{}, nil }
func (u *urlDep) Err() error                                    { return nil }
func (u *urlDep) Logs() map[string]string                       { return nil }
func (u *urlDep) Down(context.Context) error                    { return nil }
