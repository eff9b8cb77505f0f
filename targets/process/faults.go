package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/targets/redis"
)

// replaceTimeout bounds how long a fault waits for a replacement (a
// restarted instance, worker or balancer) to serve.
const replaceTimeout = 30 * time.Second

// fleet is what faults act on: the instances behind the balancer (or the
// single exposed instance), the balancer, or a cluster primary and its
// workers. Up records it; fault actions change it.
type fleet struct {
	change sync.Mutex // one rolling restart or scale at a time

	mu      sync.Mutex
	slots   []*slot
	bal     *balancer
	primary *proc // cluster topology: the primary whose workers faults hit
	workers int
	health  string
	next    int // number of the next instance a scale adds
}

// slot is one instance: its id (component and X-Scalebench-Instance), its
// current process and the port every process of the slot listens on.
type slot struct {
	id   string
	p    *proc
	port int
}

// recordFleet remembers the instances serve exposes.
func (dep *Deployment) recordFleet(procs []*proc, ports []int, health string) {
	f := &fleet{health: health, next: len(procs) + 1}
	for i, p := range procs {
		f.slots = append(f.slots, &slot{id: p.name, p: p, port: ports[i]})
	}
	dep.mu.Lock()
	dep.fleet = f
	dep.mu.Unlock()
}

// recordBalancer remembers the balancer in front of the fleet.
func (dep *Deployment) recordBalancer(b *balancer) {
	if f := dep.faultFleet(); f != nil {
		f.mu.Lock()
		f.bal = b
		f.mu.Unlock()
	}
}

// recordCluster remembers the cluster primary and its worker count.
func (dep *Deployment) recordCluster(primary *proc, workers int, health string) {
	dep.mu.Lock()
	dep.fleet = &fleet{primary: primary, workers: workers, health: health}
	dep.mu.Unlock()
}

func (dep *Deployment) faultFleet() *fleet {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.fleet
}

// fleetFor returns the fleet, or an error for a deployment without one.
func (dep *Deployment) fleetFor(action string) (*fleet, error) {
	f := dep.faultFleet()
	if f == nil {
		return nil, fmt.Errorf("%s: target %q (%s) has no instances scalebench started", action, dep.spec.Name, dep.spec.Topology)
	}
	return f, nil
}

// signalOf maps a fault's signal name to the signal.
func signalOf(name string) syscall.Signal {
	if name == "TERM" {
		return syscall.SIGTERM
	}
	return syscall.SIGKILL
}

// Kill sends signal (KILL or TERM) to an instance, a cluster worker or
// the balancer, then brings a replacement up the way a restart policy
// (Compose restart: always, a Kubernetes pod) or the cluster primary
// does, and returns when the replacement served.
func (dep *Deployment) Kill(ctx context.Context, instance, signal string) (time.Time, error) {
	f, err := dep.fleetFor("kill")
	if err != nil {
		return time.Time{}, err
	}
	sig := signalOf(signal)
	if instance == "balancer" {
		return dep.killBalancer(ctx, f, sig)
	}
	n, _ := strconv.Atoi(instance)
	if f.primary != nil {
		return dep.killWorker(ctx, f, n, sig)
	}
	return dep.killInstance(ctx, f, n, sig)
}

// slotOf returns instance n (1-based).
func (f *fleet) slotOf(n int) (*slot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n < 1 || n > len(f.slots) {
		return nil, fmt.Errorf("instance %d: the target has %d", n, len(f.slots))
	}
	return f.slots[n-1], nil
}

// killInstance signals the slot's process group, waits for it to exit
// (SIGKILL after a grace when TERM is not enough) and starts a new
// process on the same port.
func (dep *Deployment) killInstance(ctx context.Context, f *fleet, n int, sig syscall.Signal) (time.Time, error) {
	s, err := f.slotOf(n)
	if err != nil {
		return time.Time{}, err
	}
	f.mu.Lock()
	old := s.p
	f.mu.Unlock()
	signalAndWait(old, sig)
	return dep.restartSlot(ctx, f, s, old)
}

// signalAndWait sends sig to p's process group, marking the exit as
// expected, and waits for it to exit; a process that ignores SIGTERM for
// killGrace × 5 is killed.
func signalAndWait(p *proc, sig syscall.Signal) {
	p.stopping.Store(true)
	_ = syscall.Kill(-p.pid(), sig)
	t := time.NewTimer(5 * killGrace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

// restartSlot starts a new process for s on its port, waits until it is
// ready and returns when it served its health check.
func (dep *Deployment) restartSlot(ctx context.Context, f *fleet, s *slot, old *proc) (time.Time, error) {
	dep.dropProc(old)
	p, err := dep.startInstanceOn(s.id, s.port)
	if err != nil {
		return time.Time{}, err
	}
	f.mu.Lock()
	s.p = p
	f.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	if err := waitReady(rctx, baseURL(s.port)+f.health, p); err != nil {
		return time.Time{}, fmt.Errorf("replacement of %s: %w", s.id, err)
	}
	return time.Now(), nil
}

// startInstanceOn starts instance id on port: the user's command with
// PORT set, or the reference app with the layout's flags (addresses
// filled in by startApps).
func (dep *Deployment) startInstanceOn(id string, port int) (*proc, error) {
	if c, _ := dep.layout.Fleet(); c.Command != nil {
		env := append(joinEnv(os.Environ(), c.Env), "PORT="+strconv.Itoa(port))
		return dep.startProcess(processSpec{component: id, argv: c.Command, env: env, dir: c.Dir, limits: dep.instanceLimits(), port: port})
	}
	exe, err := dep.driver.exe()
	if err != nil {
		return nil, err
	}
	argv := append([]string{exe, "serve", "--port", strconv.Itoa(port), "--id", id}, dep.appFlags...)
	return dep.startProcess(processSpec{component: id, argv: argv, env: dep.appEnv(), limits: dep.instanceLimits(), port: port})
}

// dropProc forgets a process that a fault stopped (it is reaped).
func (dep *Deployment) dropProc(p *proc) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.procs = slices.DeleteFunc(dep.procs, func(q *proc) bool { return q == p })
}

// killBalancer signals the balancer and starts it again on its port.
func (dep *Deployment) killBalancer(ctx context.Context, f *fleet, sig syscall.Signal) (time.Time, error) {
	f.mu.Lock()
	b := f.bal
	f.mu.Unlock()
	if b == nil {
		return time.Time{}, fmt.Errorf("kill balancer: target %q has no balancer", dep.spec.Name)
	}
	signalAndWait(b.proc, sig)
	dep.dropProc(b.proc)
	var p *proc
	var err error
	if b.kind == balancerNginx {
		p, err = dep.startNginx(b.port, f.ports(), b.policy)
	} else {
		p, err = dep.startGoBalancer(b.port, f.ports(), b.policy)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("restart balancer: %w", err)
	}
	f.mu.Lock()
	b.proc = p
	f.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	if err := waitReady(rctx, dep.endpoint+f.health, p); err != nil {
		return time.Time{}, fmt.Errorf("restarted balancer: %w", err)
	}
	return time.Now(), nil
}

// ports lists the instances' ports, in order.
func (f *fleet) ports() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int, len(f.slots))
	for i, s := range f.slots {
		out[i] = s.port
	}
	return out
}

// killWorker signals cluster worker n and waits until the primary's
// replacement served a request through the shared socket.
func (dep *Deployment) killWorker(ctx context.Context, f *fleet, n int, sig syscall.Signal) (time.Time, error) {
	id := app.WorkerID(n)
	pid, err := clusterWorkerPID(f.primary.pid(), id)
	if err != nil {
		return time.Time{}, err
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return time.Time{}, fmt.Errorf("kill %s (pid %d): %w", id, pid, err)
	}
	return dep.waitWorker(ctx, f, id, pid)
}

// waitWorker waits until worker id runs with a pid other than old and
// answered a request.
func (dep *Deployment) waitWorker(ctx context.Context, f *fleet, id string, old int) (time.Time, error) {
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	for {
		if pid, err := clusterWorkerPID(f.primary.pid(), id); err == nil && pid != old && app.ServedBy(rctx, dep.endpoint+f.health, id) {
			return time.Now(), nil
		}
		if !sleepCtx(rctx, 20*time.Millisecond) {
			return time.Time{}, fmt.Errorf("%s: no replacement served within %v", id, replaceTimeout)
		}
	}
}

// clusterWorkerPID finds the live child of primary running worker id (its
// command line holds "--id id").
func clusterWorkerPID(primary int, id string) (int, error) {
	stats, err := allStats()
	if err != nil {
		return 0, err
	}
	for pid, st := range stats {
		if st.PPID != primary {
			continue
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err == nil && slices.Contains(strings.Split(string(b), "\x00"), id) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("cluster worker %s not found under primary %d", id, primary)
}

// Pause stops an instance, a cluster worker or the balancer with SIGSTOP
// for d (a GC pause, a stuck process), then resumes it with SIGCONT —
// at once when ctx ends, so nothing stays stopped.
func (dep *Deployment) Pause(ctx context.Context, instance string, d time.Duration) error {
	f, err := dep.fleetFor("pause")
	if err != nil {
		return err
	}
	target, err := f.pauseTarget(instance)
	if err != nil {
		return err
	}
	if err := syscall.Kill(target, syscall.SIGSTOP); err != nil {
		return fmt.Errorf("pause: SIGSTOP: %w", err)
	}
	sleepCtx(ctx, d)
	if err := syscall.Kill(target, syscall.SIGCONT); err != nil {
		return fmt.Errorf("pause: SIGCONT: %w", err)
	}
	return nil
}

// pauseTarget is the kill(2) target for instance: a negative process
// group for an instance or the balancer, a pid for a cluster worker.
func (f *fleet) pauseTarget(instance string) (int, error) {
	if instance == "balancer" {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.bal == nil {
			return 0, errors.New("pause balancer: the target has no balancer")
		}
		return -f.bal.proc.pid(), nil
	}
	n, _ := strconv.Atoi(instance)
	if f.primary != nil {
		return clusterWorkerPID(f.primary.pid(), app.WorkerID(n))
	}
	s, err := f.slotOf(n)
	if err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return -s.p.pid(), nil
}

// RollingRestart replaces every instance in turn, like a Compose or
// Kubernetes rolling update: out of the balancer, drain, graceful stop
// (SIGTERM: the app stops accepting and finishes in-flight requests), a
// new process on the same port, ready, back in. Cluster workers get
// SIGTERM one at a time and the primary starts their replacements.
func (dep *Deployment) RollingRestart(ctx context.Context, drain time.Duration) error {
	f, err := dep.fleetFor("rolling restart")
	if err != nil {
		return err
	}
	f.change.Lock()
	defer f.change.Unlock()
	if f.primary != nil {
		for n := 1; n <= f.workers; n++ {
			if _, err := dep.killWorker(ctx, f, n, syscall.SIGTERM); err != nil {
				return err
			}
		}
		return nil
	}
	f.mu.Lock()
	slots := slices.Clone(f.slots)
	f.mu.Unlock()
	for _, s := range slots {
		if err := dep.restartOne(ctx, f, s, drain); err != nil {
			return err
		}
	}
	return nil
}

// restartOne replaces one instance of a rolling restart.
func (dep *Deployment) restartOne(ctx context.Context, f *fleet, s *slot, drain time.Duration) error {
	balanced := f.bal != nil && len(f.slots) > 1
	if balanced {
		if err := dep.setUpstreams(f, f.portsExcept(s)); err != nil {
			return err
		}
		sleepCtx(ctx, drain)
	}
	f.mu.Lock()
	old := s.p
	f.mu.Unlock()
	old.stop(ctx)
	if _, err := dep.restartSlot(ctx, f, s, old); err != nil {
		return err
	}
	if balanced {
		return dep.setUpstreams(f, f.ports())
	}
	return nil
}

// portsExcept lists the ports of every instance but s.
func (f *fleet) portsExcept(s *slot) []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for _, o := range f.slots {
		if o != s {
			out = append(out, o.port)
		}
	}
	return out
}

// Scale adds instances (started, ready, then put behind the balancer) or
// removes the newest ones (out of the balancer, drain, graceful stop)
// until there are to.
func (dep *Deployment) Scale(ctx context.Context, to int, drain time.Duration) error {
	f, err := dep.fleetFor("scale")
	if err != nil {
		return err
	}
	if f.bal == nil {
		return fmt.Errorf("scale: target %q has no balancer to put instances behind", dep.spec.Name)
	}
	f.change.Lock()
	defer f.change.Unlock()
	f.mu.Lock()
	cur := len(f.slots)
	f.mu.Unlock()
	switch {
	case to > cur:
		err = dep.scaleUp(ctx, f, to-cur)
	case to < cur:
		err = dep.scaleDown(ctx, f, cur-to, drain)
	}
	f.mu.Lock()
	n := len(f.slots)
	f.mu.Unlock()
	dep.mu.Lock()
	dep.info.Instances = n
	dep.mu.Unlock()
	return err
}

// scaleUp starts k new instances and puts them behind the balancer.
func (dep *Deployment) scaleUp(ctx context.Context, f *fleet, k int) error {
	var added []*slot
	for range k {
		port, err := freePort()
		if err != nil {
			return err
		}
		f.mu.Lock()
		id := component("instance", f.next)
		f.next++
		f.mu.Unlock()
		p, err := dep.startInstanceOn(id, port)
		if err != nil {
			return err
		}
		added = append(added, &slot{id: id, p: p, port: port})
	}
	rctx, cancel := context.WithTimeout(ctx, replaceTimeout)
	defer cancel()
	for _, s := range added {
		if err := waitReady(rctx, baseURL(s.port)+f.health, s.p); err != nil {
			return fmt.Errorf("scale up: %s: %w", s.id, err)
		}
	}
	f.mu.Lock()
	f.slots = append(f.slots, added...)
	f.mu.Unlock()
	return dep.setUpstreams(f, f.ports())
}

// scaleDown takes the k newest instances out of the balancer, lets them
// drain, and stops them.
func (dep *Deployment) scaleDown(ctx context.Context, f *fleet, k int, drain time.Duration) error {
	f.mu.Lock()
	keep := len(f.slots) - k
	gone := slices.Clone(f.slots[keep:])
	f.slots = f.slots[:keep]
	f.mu.Unlock()
	if err := dep.setUpstreams(f, f.ports()); err != nil {
		return err
	}
	sleepCtx(ctx, drain)
	var procs []*proc
	for _, s := range gone {
		procs = append(procs, s.p)
	}
	stopAll(ctx, procs)
	for _, p := range procs {
		dep.dropProc(p)
	}
	return nil
}

// setUpstreams points the balancer at ports: nginx gets a regenerated
// configuration and a reload (SIGHUP: new workers take new connections,
// old ones finish their requests), the Go balancer a rewritten upstream
// file and SIGHUP.
func (dep *Deployment) setUpstreams(f *fleet, ports []int) error {
	f.mu.Lock()
	b := f.bal
	f.mu.Unlock()
	if b.kind == balancerNginx {
		before := childPIDs(b.proc.pid())
		if _, err := writeNginxConf(dep.nginxPrefix(), b.port, ports, b.policy, dep.spec.Retries); err != nil {
			return err
		}
		if err := syscall.Kill(b.proc.pid(), syscall.SIGHUP); err != nil {
			return fmt.Errorf("reload nginx: %w", err)
		}
		waitNewChild(b.proc.pid(), before)
		return nil
	}
	if _, err := dep.writeUpstreamFile(ports); err != nil {
		return err
	}
	if err := syscall.Kill(b.proc.pid(), syscall.SIGHUP); err != nil {
		return fmt.Errorf("reload balancer: %w", err)
	}
	time.Sleep(50 * time.Millisecond) // the balancer swaps its list as soon as it reads the file
	return nil
}

// nginxPrefix is the deployment's nginx prefix directory.
func (dep *Deployment) nginxPrefix() string {
	return filepath.Join(dep.logDir, dep.prefix+"-nginx")
}

// writeUpstreamFile writes the Go balancer's upstream list.
func (dep *Deployment) writeUpstreamFile(ports []int) (string, error) {
	ups := make([]string, len(ports))
	for i, p := range ports {
		ups[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	path := filepath.Join(dep.logDir, dep.prefix+"-balancer-upstreams")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(ups, ",")+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("balancer upstream file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("balancer upstream file: %w", err)
	}
	return path, nil
}

// childPIDs lists the children of pid.
func childPIDs(pid int) []int {
	stats, _ := allStats()
	var out []int
	for c, st := range stats {
		if st.PPID == pid {
			out = append(out, c)
		}
	}
	return out
}

// waitNewChild waits (up to 2 s) until pid has a child not in before: the
// new nginx worker of a reload, which serves the new configuration.
func waitNewChild(pid int, before []int) {
	for range 100 {
		for _, c := range childPIDs(pid) {
			if !slices.Contains(before, c) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RedisDown stops the target's Redis for d and starts it again on the
// same port (empty: no persistence), as a Redis restart or failover would.
func (dep *Deployment) RedisDown(ctx context.Context, d time.Duration) error {
	r := dep.Redis()
	if r == nil {
		return fmt.Errorf("redis_down: target %q has no Redis", dep.spec.Name)
	}
	port, dir := r.Port(), r.Dir()
	if err := r.Stop(ctx); err != nil {
		return fmt.Errorf("redis_down: stop: %w", err)
	}
	sleepCtx(ctx, d)
	opts := redisOptions(dep.redisKind, dir)
	opts.Port = port
	// Start it even when ctx ended: Down stops it with the rest.
	sctx, cancel := context.WithTimeout(context.Background(), replaceTimeout)
	defer cancel()
	srv, err := redis.Start(sctx, opts)
	if err != nil {
		return fmt.Errorf("redis_down: start again: %w", err)
	}
	dep.mu.Lock()
	dep.redis = srv
	dep.mu.Unlock()
	return nil
}

// InstanceCPU is the CPU time used so far by the instances behind the
// balancer (or the cluster's workers), and how many there are.
func (dep *Deployment) InstanceCPU(context.Context) (float64, int, error) {
	f, err := dep.fleetFor("autoscale")
	if err != nil {
		return 0, 0, err
	}
	f.mu.Lock()
	var roots []int
	for _, s := range f.slots {
		roots = append(roots, s.p.pid())
	}
	n := len(f.slots)
	f.mu.Unlock()
	cpu, _, err := treeUsage(roots)
	return cpu, n, err
}

// sleepCtx sleeps for d or until ctx ends; false when ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
