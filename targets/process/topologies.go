package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/targets"
)

// upLayout carries out the deployment's layout: the components in the
// plan's order — Redis, the PostgreSQL nodes, the instances, the queue
// workers — then the instances are waited for and exposed, directly or
// behind the balancer. Addresses of components the flags refer to are
// the ones this driver gave them (loopback ports).
func (dep *Deployment) upLayout(ctx context.Context) error {
	l := dep.layout
	if l.URL != "" {
		return dep.upURL()
	}
	addrs := map[string]string{}
	var fleet []*proc
	var ports []int
	balanced := false
	for _, c := range l.Components {
		var err error
		switch c.Role {
		case targets.RoleRedis:
			addrs[c.Name], err = dep.startRedis(ctx, c.RedisKind)
		case targets.RolePostgres:
			if len(dep.pgNodes()) == 0 {
				err = dep.startDatabase(ctx, l, addrs)
			}
		case targets.RoleApp:
			if f, _ := l.Fleet(); f.Name == c.Name {
				fleet, ports, err = dep.startApps(c, addrs)
			} else {
				err = dep.startBackend(ctx, c, addrs)
			}
		case targets.RoleCluster:
			return dep.upCluster(ctx, c, addrs)
		case targets.RoleWorker:
			err = dep.startQueueWorkers(c, addrs)
		case targets.RoleBalancer:
			balanced = true
		default:
			err = fmt.Errorf("component %s (%s) is not run by the process driver", c.Name, c.Role)
		}
		if err != nil {
			return err
		}
	}
	return dep.serve(ctx, fleet, ports, l.Health, balanced)
}

// startApps starts the Replicas instances of the fleet's app component c
// on free ports: the reference app with c's flags, or the user's command.
func (dep *Deployment) startApps(c targets.Component, addrs map[string]string) ([]*proc, []int, error) {
	if c.Image != targets.ImageApp && c.Command == nil {
		return nil, nil, fmt.Errorf("topology %q is not supported by the process driver", dep.spec.Topology)
	}
	dep.appFlags = targets.RenderArgs(c.Flags, lookup(addrs))
	var procs []*proc
	var ports []int
	for i := 1; i <= c.Replicas; i++ {
		port, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		p, err := dep.startInstanceOn(instanceID(c, i), port)
		if err != nil {
			return nil, nil, err
		}
		procs, ports = append(procs, p), append(ports, port)
	}
	return procs, ports, nil
}

// startBackend starts an app component that takes no load directly (one
// the fleet calls) and waits for it; components after it reach its first
// instance.
func (dep *Deployment) startBackend(ctx context.Context, c targets.Component, addrs map[string]string) error {
	exe, err := dep.driver.exe()
	if err != nil {
		return err
	}
	flags := targets.RenderArgs(c.Flags, lookup(addrs))
	for i := 1; i <= c.Replicas; i++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		id := instanceID(c, i)
		argv := append([]string{exe, "serve", "--port", strconv.Itoa(port), "--id", id}, flags...)
		p, err := dep.startProcess(processSpec{component: id, argv: argv, env: dep.appEnv(), limits: dep.instanceLimits(), port: port})
		if err != nil {
			return err
		}
		if i == 1 {
			addrs[c.Name] = "127.0.0.1:" + strconv.Itoa(port)
		}
		if err := dep.waitReady(ctx, baseURL(port)+dep.layout.Health, p); err != nil {
			return err
		}
	}
	return nil
}

// instanceID names instance i of app component c: "instance-i" for the
// app, "NAME-i" for any other.
func instanceID(c targets.Component, i int) string {
	if c.Name == "app" {
		return component("instance", i)
	}
	return component(c.Name, i)
}

// upCluster starts a cluster primary (`serve --workers N`) whose workers
// share one listening socket; the kernel spreads connections over them.
// Each worker slot gets its own cgroup, which the primary puts every
// (re)started worker of that slot into.
func (dep *Deployment) upCluster(ctx context.Context, c targets.Component, addrs map[string]string) error {
	n := c.Workers
	port, err := freePort()
	if err != nil {
		return err
	}
	exe, err := dep.driver.exe()
	if err != nil {
		return err
	}
	argv := []string{exe, "serve", "--workers", strconv.Itoa(n), "--port", strconv.Itoa(port)}
	if lim := dep.instanceLimits(); lim != (limits{}) {
		slots := make([][]string, n)
		for i := range n {
			slots[i] = dep.cgroupDirs(app.WorkerID(i+1), lim)
		}
		argv = append(argv, "--worker-cgroups", app.FormatWorkerCgroups(slots))
	}
	if flags := targets.RenderArgs(c.Flags, lookup(addrs)); len(flags) > 0 {
		argv = append(append(argv, "--"), flags...)
	}
	p, err := dep.startProcess(processSpec{component: "primary", argv: argv, env: dep.appEnv(), port: port})
	if err != nil {
		return err
	}
	dep.setInstances(n, "kernel", "")
	dep.endpoint = baseURL(port)
	dep.recordCluster(p, n, dep.layout.Health)
	return dep.waitReady(ctx, dep.endpoint+dep.layout.Health, p)
}

// serve waits until every instance is ready, then exposes them: directly,
// or behind the balancer when the layout has one.
func (dep *Deployment) serve(ctx context.Context, procs []*proc, ports []int, health string, balanced bool) error {
	for i, p := range procs {
		if err := dep.waitReady(ctx, baseURL(ports[i])+health, p); err != nil {
			return err
		}
	}
	dep.recordFleet(procs, ports, health)
	if !balanced {
		dep.setInstances(1, "", "")
		dep.endpoint = baseURL(ports[0])
		return nil
	}
	return dep.upBalanced(ctx, len(procs), ports, health)
}

// upURL starts nothing: the load goes to a service already running.
func (dep *Deployment) upURL() error {
	dep.endpoint = dep.layout.URL
	dep.mu.Lock()
	dep.info.CPUs = nil
	dep.info.GOMAXPROCS = 0
	dep.info.CPUBudget = 0
	dep.info.Notes = append(dep.info.Notes, "not started by scalebench: resource use and limits unknown")
	dep.mu.Unlock()
	return nil
}

// upBalanced puts a balancer in front of ports and waits for it.
func (dep *Deployment) upBalanced(ctx context.Context, n int, ports []int, health string) error {
	b, err := dep.startBalancer(ports)
	if err != nil {
		return err
	}
	dep.setInstances(n, b.kind, b.policy)
	dep.endpoint = baseURL(b.port)
	dep.recordBalancer(b)
	return dep.waitReady(ctx, dep.endpoint+health, b.proc)
}

// appEnv is the reference app's environment: ours, GOMAXPROCS from the
// spec (a Node process uses one core), then the spec's Env.
func (dep *Deployment) appEnv() []string {
	env := os.Environ()
	if dep.spec.GOMAXPROCS > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(dep.spec.GOMAXPROCS))
	}
	// The section /work?serial= shares across this target's instances.
	env = append(env, app.PeersEnv+"="+strconv.Itoa(dep.layout.Instances),
		app.SharedLockEnv+"="+filepath.Join(dep.logDir, dep.prefix+"-shared.lock"))
	return joinEnv(env, dep.spec.Env)
}

// setInstances records the shape of the deployment.
func (dep *Deployment) setInstances(n int, balancer, policy string) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.info.Instances = n
	dep.info.Balancer = balancer
	dep.info.BalancerPolicy = policy
}

// waitReady waits for url, naming the startup timeout when it expires.
func (dep *Deployment) waitReady(ctx context.Context, url string, watch ...*proc) error {
	err := waitReady(ctx, url, watch...)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("startup timeout %s: %w", dep.timeout, err)
	}
	return err
}

// lookup reads component addresses from m.
func lookup(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}
