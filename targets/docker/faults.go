package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/app"
)

// upstreamFile is where the Go balancer container reads its upstream list
// (rewritten and followed by SIGHUP when instances change).
const upstreamFile = "/tmp/upstreams"

// replaceTimeout bounds how long a fault waits for a restarted container
// or worker to serve again.
const replaceTimeout = 30 * time.Second

// fleet is what faults act on: the app containers behind the balancer
// (or the one exposed), the balancer container, or the cluster container.
type fleet struct {
	change sync.Mutex // one rolling restart or scale at a time

	mu       sync.Mutex
	apps     []*container
	bal      *container // nil: no balancer
	template containerSpec
	port     int // the port the apps listen on inside their containers
	policy   string
	health   string
	next     int // index of the next container a scale adds
	cluster  bool
	workers  int
	faulted  map[*container]bool // being stopped/started by a fault: not a failure
}

// recordFleet remembers, once Up succeeded, which containers faults hit.
func (dep *deployment) recordFleet(p plan) {
	f := &fleet{policy: firstNonEmpty(p.info.BalancerPolicy, "round_robin"), health: p.health, faulted: map[*container]bool{}}
	switch {
	case p.info.Balancer == "kernel":
		f.cluster, f.workers = true, p.info.Instances
		f.apps = []*container{dep.containers[p.entry]}
	case len(p.backends) > 0:
		for _, i := range p.backends {
			f.apps = append(f.apps, dep.containers[i])
		}
		f.bal = dep.containers[p.entry]
		f.template = p.containers[p.backends[0]]
	default:
		f.apps = []*container{dep.containers[p.entry]}
		f.template = p.containers[p.entry]
	}
	f.port, f.next = f.template.port, len(f.apps)
	dep.mu.Lock()
	dep.fleet = f
	dep.mu.Unlock()
}

// current lists the deployment's containers (a scale adds some).
func (dep *deployment) current() []*container {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return slices.Clone(dep.containers)
}

// faulted reports whether c is down on purpose.
func (dep *deployment) faulted(c *container) bool {
	dep.mu.Lock()
	f := dep.fleet
	dep.mu.Unlock()
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.faulted[c]
}

func (f *fleet) setFaulted(c *container, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on {
		f.faulted[c] = true
	} else {
		delete(f.faulted, c)
	}
}

func (dep *deployment) fleetFor(action string) (*fleet, error) {
	dep.mu.Lock()
	f := dep.fleet
	dep.mu.Unlock()
	if f == nil {
		return nil, fmt.Errorf("%s: target %q has no containers scalebench started", action, dep.spec.Name)
	}
	return f, nil
}

// app returns app container n (1-based).
func (f *fleet) app(n int) (*container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 1 || n > len(f.apps) {
		return nil, fmt.Errorf("instance %d: the target has %d", n, len(f.apps))
	}
	return f.apps[n-1], nil
}

func dockerSignal(name string) dc.Signal {
	if name == "TERM" {
		return dc.Signal(syscall.SIGTERM)
	}
	return dc.Signal(syscall.SIGKILL)
}

// Kill sends signal to an app container (docker kill), a cluster worker
// inside its container, and brings it back the way a restart policy or
// the cluster primary does. The balancer's container would come back on
// another published port, so killing it is refused.
func (dep *deployment) Kill(ctx context.Context, instance, signal string) (time.Time, error) {
	f, err := dep.fleetFor("kill")
	if err != nil {
		return time.Time{}, err
	}
	if instance == "balancer" {
		return time.Time{}, errors.New("kill balancer: not supported by the docker driver (a restarted container gets a new published port); use --driver process")
	}
	n, _ := strconv.Atoi(instance)
	if f.cluster {
		return dep.signalWorker(ctx, f, n, syscall.Signal(dockerSignal(signal)))
	}
	c, err := f.app(n)
	if err != nil {
		return time.Time{}, err
	}
	f.setFaulted(c, true)
	defer f.setFaulted(c, false)
	if err := dep.d.pool.Client.KillContainer(dc.KillContainerOptions{ID: c.id, Signal: dockerSignal(signal), Context: ctx}); err != nil {
		return time.Time{}, fmt.Errorf("kill %s: %w", c.name, err)
	}
	if err := dep.waitStopped(ctx, c, 10*time.Second); err != nil {
		return time.Time{}, err
	}
	return dep.startAgain(ctx, f, c)
}

// waitStopped waits until c exits, then forces it down after timeout.
func (dep *deployment) waitStopped(ctx context.Context, c *container, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := dep.d.pool.Client.WaitContainerWithContext(c.id, wctx); err == nil {
		return nil
	}
	if err := dep.d.pool.Client.StopContainerWithContext(c.id, 0, ctx); err != nil && !isNotRunning(err) {
		return fmt.Errorf("stop %s: %w", c.name, err)
	}
	return nil
}

func isNotRunning(err error) bool {
	var nr *dc.ContainerNotRunning
	return errors.As(err, &nr)
}

// startAgain starts a stopped container, re-reads its published port and
// waits until it is ready; behind nginx it reloads the configuration, as
// the container may have a new address.
func (dep *deployment) startAgain(ctx context.Context, f *fleet, c *container) (time.Time, error) {
	if err := dep.d.pool.Client.StartContainerWithContext(c.id, nil, ctx); err != nil {
		return time.Time{}, fmt.Errorf("start %s again: %w", c.name, err)
	}
	dep.d.expire(c.id)
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	port, err := dep.d.hostPort(rctx, c.id, f.port)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", c.name, err)
	}
	f.mu.Lock()
	c.hostPort = port
	f.mu.Unlock()
	if err := dep.waitReady(rctx, "http://127.0.0.1:"+strconv.Itoa(port)+f.health); err != nil {
		return time.Time{}, fmt.Errorf("%s after restart: %w", c.name, err)
	}
	ready := time.Now()
	if f.bal != nil && f.bal.role == "nginx" {
		return ready, dep.setUpstreams(ctx, f, f.appsNow())
	}
	return ready, nil
}

func (f *fleet) appsNow() []*container {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.apps)
}

// signalWorker sends sig to cluster worker n (by its host pid: the engine
// is local) and waits until the primary's replacement served.
func (dep *deployment) signalWorker(ctx context.Context, f *fleet, n int, sig syscall.Signal) (time.Time, error) {
	id := app.WorkerID(n)
	pid, err := dep.workerPID(ctx, f.apps[0], id)
	if err != nil {
		return time.Time{}, err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return time.Time{}, fmt.Errorf("signal %s (host pid %d): %w", id, pid, err)
	}
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	for {
		if now, err := dep.workerPID(rctx, f.apps[0], id); err == nil && now != pid && app.ServedBy(rctx, dep.endpoint+f.health, id) {
			return time.Now(), nil
		}
		select {
		case <-rctx.Done():
			return time.Time{}, fmt.Errorf("%s: no replacement served within %v", id, replaceTimeout)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// workerPID finds the host pid of cluster worker id in container c.
func (dep *deployment) workerPID(ctx context.Context, c *container, id string) (int, error) {
	top, err := dep.d.pool.Client.TopContainer(c.id, "")
	if err != nil {
		return 0, fmt.Errorf("list processes of %s: %w", c.name, err)
	}
	col := slices.Index(top.Titles, "PID")
	for _, p := range top.Processes {
		if col < 0 || len(p) <= col || !slices.Contains(strings.Fields(p[len(p)-1]), id) {
			continue
		}
		if pid, err := strconv.Atoi(p[col]); err == nil {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("cluster worker %s not found in container %s", id, c.name)
}

// Pause freezes an app container, the balancer (docker pause: the cgroup
// freezer) or a cluster worker (SIGSTOP) for d, then resumes it — at once
// when ctx ends.
func (dep *deployment) Pause(ctx context.Context, instance string, d time.Duration) error {
	f, err := dep.fleetFor("pause")
	if err != nil {
		return err
	}
	var c *container
	switch {
	case instance == "balancer":
		if c = f.bal; c == nil {
			return errors.New("pause balancer: the target has no balancer")
		}
	case f.cluster:
		n, _ := strconv.Atoi(instance)
		pid, err := dep.workerPID(ctx, f.apps[0], app.WorkerID(n))
		if err != nil {
			return err
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			return fmt.Errorf("pause: %w", err)
		}
		sleepCtx(ctx, d)
		return syscall.Kill(pid, syscall.SIGCONT)
	default:
		n, _ := strconv.Atoi(instance)
		if c, err = f.app(n); err != nil {
			return err
		}
	}
	if err := dep.d.pool.Client.PauseContainer(c.id); err != nil {
		return fmt.Errorf("pause %s: %w", c.name, err)
	}
	sleepCtx(ctx, d)
	if err := dep.d.pool.Client.UnpauseContainer(c.id); err != nil {
		return fmt.Errorf("unpause %s: %w", c.name, err)
	}
	return nil
}

// RollingRestart restarts every app container in turn: out of the
// balancer, drain, SIGTERM (the app finishes in-flight requests), start
// again, ready, back in — like `docker compose up` replacing one replica
// at a time. A cluster's workers get SIGTERM one at a time.
func (dep *deployment) RollingRestart(ctx context.Context, drain time.Duration) error {
	f, err := dep.fleetFor("rolling restart")
	if err != nil {
		return err
	}
	f.change.Lock()
	defer f.change.Unlock()
	if f.cluster {
		for n := 1; n <= f.workers; n++ {
			if _, err := dep.signalWorker(ctx, f, n, syscall.SIGTERM); err != nil {
				return err
			}
		}
		return nil
	}
	for _, c := range f.appsNow() {
		if err := dep.restartOne(ctx, f, c, drain); err != nil {
			return err
		}
	}
	return nil
}

// restartOne replaces one app container of a rolling restart.
func (dep *deployment) restartOne(ctx context.Context, f *fleet, c *container, drain time.Duration) error {
	balanced := f.bal != nil && len(f.appsNow()) > 1
	if balanced {
		others := slices.DeleteFunc(f.appsNow(), func(o *container) bool { return o == c })
		if err := dep.setUpstreams(ctx, f, others); err != nil {
			return err
		}
		sleepCtx(ctx, drain)
	}
	f.setFaulted(c, true)
	defer f.setFaulted(c, false)
	if err := dep.d.pool.Client.KillContainer(dc.KillContainerOptions{ID: c.id, Signal: dc.Signal(syscall.SIGTERM), Context: ctx}); err != nil {
		return fmt.Errorf("stop %s: %w", c.name, err)
	}
	if err := dep.waitStopped(ctx, c, 5*time.Second); err != nil {
		return err
	}
	if _, err := dep.startAgain(ctx, f, c); err != nil {
		return err
	}
	if balanced {
		return dep.setUpstreams(ctx, f, f.appsNow())
	}
	return nil
}

// Scale starts app containers (ready, then behind the balancer) or removes
// the newest ones (out of the balancer, drain, removed) until there are to.
func (dep *deployment) Scale(ctx context.Context, to int, drain time.Duration) error {
	f, err := dep.fleetFor("scale")
	if err != nil {
		return err
	}
	if f.bal == nil {
		return fmt.Errorf("scale: target %q has no balancer to put containers behind", dep.spec.Name)
	}
	f.change.Lock()
	defer f.change.Unlock()
	cur := len(f.appsNow())
	switch {
	case to > cur:
		err = dep.scaleUp(ctx, f, to-cur)
	case to < cur:
		err = dep.scaleDown(ctx, f, cur-to, drain)
	}
	dep.mu.Lock()
	dep.info.Instances = len(f.appsNow())
	dep.mu.Unlock()
	return err
}

// scaleUp starts k app containers like the first and puts them behind the
// balancer once ready.
func (dep *deployment) scaleUp(ctx context.Context, f *fleet, k int) error {
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	for range k {
		f.mu.Lock()
		i := f.next
		f.next++
		f.mu.Unlock()
		cs := f.template
		cs.name = strings.TrimSuffix(cs.name, "-0") + "-" + strconv.Itoa(i)
		cs.cmd = slices.Clone(cs.cmd)
		if j := slices.Index(cs.cmd, "--id"); j >= 0 && j+1 < len(cs.cmd) {
			cs.cmd[j+1] = "replica-" + strconv.Itoa(i)
		}
		c, err := dep.d.start(rctx, cs)
		if err != nil {
			return err
		}
		dep.mu.Lock()
		dep.containers = append(dep.containers, c)
		dep.mu.Unlock()
		if err := dep.waitReady(rctx, "http://127.0.0.1:"+strconv.Itoa(c.hostPort)+f.health); err != nil {
			return fmt.Errorf("scale up: %s: %w", c.name, err)
		}
		f.mu.Lock()
		f.apps = append(f.apps, c)
		f.mu.Unlock()
	}
	return dep.setUpstreams(ctx, f, f.appsNow())
}

// scaleDown takes the k newest app containers out of the balancer, lets
// them drain and removes them.
func (dep *deployment) scaleDown(ctx context.Context, f *fleet, k int, drain time.Duration) error {
	f.mu.Lock()
	keep := len(f.apps) - k
	gone := slices.Clone(f.apps[keep:])
	f.apps = f.apps[:keep]
	f.mu.Unlock()
	if err := dep.setUpstreams(ctx, f, f.appsNow()); err != nil {
		return err
	}
	sleepCtx(ctx, drain)
	var errs []error
	for _, c := range gone {
		f.setFaulted(c, true)
		errs = append(errs, dep.d.remove(context.WithoutCancel(ctx), c))
		dep.mu.Lock()
		dep.containers = slices.DeleteFunc(dep.containers, func(o *container) bool { return o == c })
		dep.mu.Unlock()
	}
	return errors.Join(errs...)
}

// setUpstreams points the balancer at apps: a regenerated nginx.conf or
// upstream file uploaded into its container, then SIGHUP (nginx reloads;
// the Go balancer re-reads the file).
func (dep *deployment) setUpstreams(ctx context.Context, f *fleet, apps []*container) error {
	ups := make([]string, len(apps))
	for i, c := range apps {
		ip, err := dep.ipOf(ctx, c)
		if err != nil {
			return err
		}
		ups[i] = ip + ":" + strconv.Itoa(f.port)
	}
	var files map[string][]byte
	if f.bal.role == "nginx" {
		conf, err := nginxConf(ups, f.policy, nginxPort, dep.spec.Retries)
		if err != nil {
			return err
		}
		files = map[string][]byte{nginxConfPath: conf}
	} else {
		files = map[string][]byte{upstreamFile: []byte(strings.Join(ups, ",") + "\n")}
	}
	tarball, err := tarFiles(files)
	if err != nil {
		return err
	}
	if err := dep.d.pool.Client.UploadToContainer(f.bal.id, dc.UploadToContainerOptions{InputStream: bytes.NewReader(tarball), Path: "/", Context: ctx}); err != nil {
		return fmt.Errorf("balancer %s: upload configuration: %w", f.bal.name, err)
	}
	if err := dep.d.pool.Client.KillContainer(dc.KillContainerOptions{ID: f.bal.id, Signal: dc.SIGHUP, Context: ctx}); err != nil {
		return fmt.Errorf("balancer %s: reload: %w", f.bal.name, err)
	}
	// nginx starts new workers on the new configuration within a moment;
	// the Go balancer swaps its list as soon as it has read the file.
	sleepCtx(ctx, 300*time.Millisecond)
	return nil
}

// ipOf is c's address on the run's network. Upstreams are written as
// addresses, not names: right after a container restarts, the engine's
// DNS may briefly not know its name, and nginx refuses a configuration
// with an unknown host.
func (dep *deployment) ipOf(ctx context.Context, c *container) (string, error) {
	info, err := dep.d.pool.Client.InspectContainerWithContext(c.id, ctx)
	if err != nil {
		return "", fmt.Errorf("inspect %s: %w", c.name, err)
	}
	if n, ok := info.NetworkSettings.Networks[dep.d.network.Name]; ok && n.IPAddress != "" {
		return n.IPAddress, nil
	}
	return "", fmt.Errorf("%s has no address on network %s", c.name, dep.d.network.Name)
}

// RedisDown stops the target's Redis container for d and starts it again
// (same name, empty: no persistence).
func (dep *deployment) RedisDown(ctx context.Context, d time.Duration) error {
	dep.mu.Lock()
	r := dep.redis
	dep.mu.Unlock()
	if r == nil {
		return fmt.Errorf("redis_down: target %q has no Redis", dep.spec.Name)
	}
	if err := dep.d.pool.Client.StopContainerWithContext(r.id, 0, ctx); err != nil && !isNotRunning(err) {
		return fmt.Errorf("redis_down: stop %s: %w", r.name, err)
	}
	sleepCtx(ctx, d)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replaceTimeout)
	defer cancel()
	if err := dep.d.pool.Client.StartContainerWithContext(r.id, nil, sctx); err != nil {
		return fmt.Errorf("redis_down: start %s again: %w", r.name, err)
	}
	dep.d.expire(r.id)
	port, err := dep.d.hostPort(sctx, r.id, redisPort)
	if err != nil {
		return fmt.Errorf("redis_down: %s: %w", r.name, err)
	}
	dep.mu.Lock()
	r.hostPort = port
	dep.mu.Unlock()
	return waitPing(sctx, "127.0.0.1:"+strconv.Itoa(port), redisReadyTimeout)
}

// InstanceCPU is the CPU time used so far by the app containers behind
// the balancer, and how many there are.
func (dep *deployment) InstanceCPU(ctx context.Context) (float64, int, error) {
	f, err := dep.fleetFor("autoscale")
	if err != nil {
		return 0, 0, err
	}
	apps := f.appsNow()
	u, err := dep.d.sample(ctx, apps)
	return u.CPUSeconds, len(apps), err
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
