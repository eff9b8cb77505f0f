package process

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/scalebench/scalebench/targets/app"
)

// upSingle starts one reference-app instance.
func (dep *Deployment) upSingle(ctx context.Context) error {
	p, port, err := dep.startAppInstance(component("instance", 1))
	if err != nil {
		return err
	}
	dep.setInstances(1, "", "")
	dep.endpoint = baseURL(port)
	dep.recordFleet([]*proc{p}, []int{port}, dep.health("/healthz"))
	return dep.waitReady(ctx, dep.endpoint+dep.health("/healthz"), p)
}

// upCluster starts a cluster primary (`serve --workers N`) whose workers
// share one listening socket; the kernel spreads connections over them.
// Each worker slot gets its own cgroup, which the primary puts every
// (re)started worker of that slot into.
func (dep *Deployment) upCluster(ctx context.Context) error {
	n := dep.instances(2)
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
	if len(dep.spec.AppArgs) > 0 {
		argv = append(append(argv, "--"), dep.spec.AppArgs...)
	}
	p, err := dep.startProcess(processSpec{component: "primary", argv: argv, env: dep.appEnv(), port: port})
	if err != nil {
		return err
	}
	dep.setInstances(n, "kernel", "")
	dep.endpoint = baseURL(port)
	dep.recordCluster(p, n, dep.health("/healthz"))
	return dep.waitReady(ctx, dep.endpoint+dep.health("/healthz"), p)
}

// upReplicas starts N instances on their own ports behind a balancer.
func (dep *Deployment) upReplicas(ctx context.Context) error {
	n := dep.instances(2)
	var procs []*proc
	var ports []int
	for i := 1; i <= n; i++ {
		p, port, err := dep.startAppInstance(component("instance", i))
		if err != nil {
			return err
		}
		procs, ports = append(procs, p), append(ports, port)
	}
	return dep.serve(ctx, procs, ports, dep.health("/healthz"), true)
}

// upCommand starts the user's server (Spec.Command, with PORT set) once
// per instance; more than one goes behind the balancer.
func (dep *Deployment) upCommand(ctx context.Context) error {
	if len(dep.spec.Command) == 0 {
		return fmt.Errorf("topology command: no command given")
	}
	n := dep.instances(1)
	health := dep.health("/")
	var procs []*proc
	var ports []int
	for i := 1; i <= n; i++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		env := joinEnv(os.Environ(), dep.spec.Env)
		env = append(env, "PORT="+strconv.Itoa(port))
		p, err := dep.startProcess(processSpec{
			component: component("instance", i),
			argv:      dep.spec.Command,
			env:       env,
			dir:       dep.spec.Dir,
			limits:    dep.instanceLimits(),
			port:      port,
		})
		if err != nil {
			return err
		}
		procs, ports = append(procs, p), append(ports, port)
	}
	return dep.serve(ctx, procs, ports, health, false)
}

// serve waits until every instance is ready, then exposes them: one
// instance directly, several (or any number when balanced is set) behind
// the balancer.
func (dep *Deployment) serve(ctx context.Context, procs []*proc, ports []int, health string, balanced bool) error {
	for i, p := range procs {
		if err := dep.waitReady(ctx, baseURL(ports[i])+health, p); err != nil {
			return err
		}
	}
	dep.recordFleet(procs, ports, health)
	if len(procs) == 1 && !balanced {
		dep.setInstances(1, "", "")
		dep.endpoint = baseURL(ports[0])
		return nil
	}
	return dep.upBalanced(ctx, len(procs), ports, health)
}

// upURL starts nothing: the load goes to a service already running.
func (dep *Deployment) upURL(context.Context) error {
	u, err := url.Parse(dep.spec.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("topology url: %q is not an http(s) URL", dep.spec.URL)
	}
	dep.endpoint = strings.TrimSuffix(dep.spec.URL, "/")
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

// startAppInstance starts `serve` on a free port as instance component
// (also its id), with the spec's budget.
func (dep *Deployment) startAppInstance(component string) (*proc, int, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	exe, err := dep.driver.exe()
	if err != nil {
		return nil, 0, err
	}
	argv := append([]string{exe, "serve", "--port", strconv.Itoa(port), "--id", component}, dep.spec.AppArgs...)
	p, err := dep.startProcess(processSpec{
		component: component,
		argv:      argv,
		env:       dep.appEnv(),
		limits:    dep.instanceLimits(),
		port:      port,
	})
	if err != nil {
		return nil, 0, err
	}
	return p, port, nil
}

// appEnv is the reference app's environment: ours, GOMAXPROCS from the
// spec (a Node process uses one core), then the spec's Env.
func (dep *Deployment) appEnv() []string {
	env := os.Environ()
	if dep.spec.GOMAXPROCS > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(dep.spec.GOMAXPROCS))
	}
	// The section /work?serial= shares across this target's instances.
	env = append(env, app.PeersEnv+"="+strconv.Itoa(dep.instances(1)),
		app.SharedLockEnv+"="+filepath.Join(dep.logDir, dep.prefix+"-shared.lock"))
	return joinEnv(env, dep.spec.Env)
}

// health is the readiness path, def when the spec gives none.
func (dep *Deployment) health(def string) string {
	h := dep.spec.Health
	if h == "" {
		h = def
	}
	if !strings.HasPrefix(h, "/") {
		h = "/" + h
	}
	return h
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
