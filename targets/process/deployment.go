package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/redis"
)

// ErrNoUsage is returned by Sample for a target scalebench did not start
// (topology "url"): its resource use is unknown.
var ErrNoUsage = errors.New("resource use unknown: the target was not started by scalebench")

// Deployment is a target running as local processes.
type Deployment struct {
	driver   *Driver
	spec     targets.Spec
	layout   targets.Layout // what Up carries out (targets.Plan)
	prefix   string         // file-name prefix for this deployment's logs
	cgRel    string         // cgroup path of this deployment, relative to own cgroup
	logDir   string
	endpoint string
	timeout  time.Duration // startup timeout
	started  atomic.Bool   // Up has returned it

	mu    sync.Mutex
	info  results.Deployment
	procs []*proc
	err   error
	// redis is the topology's redis-server (nil: none) and redisKind its
	// kind ("cache" or "store"); see redis.go.
	redis     *redis.Server
	redisKind string
	// appFlags are the reference app's flags with the addresses filled in,
	// for instances started later (faults).
	appFlags []string
	// pg are the topology's PostgreSQL nodes (see database.go).
	pg []*pgNode
	// budgetBroken is set once a budget of this deployment failed.
	budgetBroken bool
	// track is the tracking cgroup (track.go; "" until made, or none);
	// trackFailed is set when it could not be made.
	track       string
	trackFailed bool
	// services are the running services of a service graph
	// (microservices.go).
	services []targets.RunningService
	// fleet is what faults act on (faults.go); nil for a url target.
	fleet *fleet

	downOnce sync.Once
	downErr  error
}

func (d *Driver) newDeployment(spec targets.Spec, layout targets.Layout, seq int) (*Deployment, error) {
	logDir, err := d.logDirectory()
	if err != nil {
		return nil, err
	}
	runID := spec.RunID
	if runID == "" {
		runID = d.opts.RunID
	}
	if runID == "" {
		runID = "run-" + strconv.Itoa(os.Getpid())
	}
	name := fmt.Sprintf("%d-%s", seq, safeName(spec.Name))
	dep := &Deployment{
		driver: d,
		spec:   spec,
		layout: layout,
		prefix: safeName(runID) + "-" + name,
		cgRel:  "scalebench/" + safeName(runID) + "/" + name,
		logDir: logDir,
		info: results.Deployment{
			Driver:     d.Name(),
			GOMAXPROCS: spec.GOMAXPROCS,
			CPUBudget:  spec.CPUBudget,
			CPUs:       slices.Clone(d.targetCPUs),
		},
	}
	d.mu.Lock()
	d.live[dep] = true
	d.mu.Unlock()
	return dep, nil
}

// Endpoint is the base URL to send load to.
func (dep *Deployment) Endpoint() string { return dep.endpoint }

// Info records what was started and which limits were enforced.
func (dep *Deployment) Info() results.Deployment {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	info := dep.info
	info.CPUs = slices.Clone(info.CPUs)
	info.Notes = slices.Clone(info.Notes)
	if dep.info.Components != nil {
		info.Components = map[string]string{}
		for k, v := range dep.info.Components {
			info.Components[k] = v
		}
	}
	return info
}

// Err is non-nil once a process of the deployment exited unexpectedly
// (an instance, the cluster primary or the balancer).
func (dep *Deployment) Err() error {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.err
}

// Logs returns the tail of each component's log.
func (dep *Deployment) Logs() map[string]string {
	dep.mu.Lock()
	procs := slices.Clone(dep.procs)
	dep.mu.Unlock()
	out := map[string]string{}
	for _, p := range procs {
		out[p.name] = p.tail()
	}
	if r := dep.Redis(); r != nil {
		out["redis"] = r.LogTail()
	}
	dep.databaseLogs(out)
	return out
}

// Sample sums CPU time and RSS over every process of the deployment,
// including descendants (cluster workers, nginx workers).
func (dep *Deployment) Sample(ctx context.Context) (targets.Usage, error) {
	if dep.spec.Topology == "url" {
		return targets.Usage{}, ErrNoUsage
	}
	if err := ctx.Err(); err != nil {
		return targets.Usage{}, err
	}
	dep.mu.Lock()
	var roots []int
	for _, p := range dep.procs {
		if !p.exited() {
			roots = append(roots, p.pid())
		}
	}
	dep.mu.Unlock()
	cpu, rss, err := treeUsage(roots)
	if err != nil {
		return targets.Usage{}, err
	}
	return dep.databaseUsage(dep.redisUsage(targets.Usage{CPUSeconds: cpu, RSSBytes: rss})), nil
}

// Down stops every process (SIGTERM to each process group, SIGKILL 2 s
// later), then removes the deployment's cgroups. Safe to call twice.
func (dep *Deployment) Down(ctx context.Context) error {
	dep.downOnce.Do(func() {
		dep.mu.Lock()
		procs := slices.Clone(dep.procs)
		dep.mu.Unlock()
		stopAll(ctx, procs)
		for _, p := range procs {
			dep.driver.opts.Tracker.ProcessStopped(p.pid())
		}
		rerr := errors.Join(dep.stopRedis(ctx), dep.stopDatabase(ctx))
		dep.killTracked()
		if cg := dep.driver.cg; cg != nil {
			dep.downErr = cg.remove(dep.cgRel, dep.driver.opts.Tracker.CgroupRemoved)
		}
		dep.downErr = errors.Join(dep.downErr, rerr)
		dep.driver.mu.Lock()
		delete(dep.driver.live, dep)
		dep.driver.mu.Unlock()
	})
	return dep.downErr
}

// fail records the first unexpected exit.
func (dep *Deployment) fail(p *proc, err error) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	if dep.err == nil {
		dep.err = fmt.Errorf("target %q: %s exited unexpectedly: %s", dep.spec.Name, displayName(p.name), exitText(err))
	}
}

// processSpec is how the topology functions ask for a process.
type processSpec struct {
	// component names the process in logs and errors ("instance-1").
	component string
	argv      []string
	env       []string
	dir       string
	// limits is the process's budget; its cgroup is <deployment>/<component>.
	limits limits
	// stopSig is the graceful stop signal (default SIGTERM).
	stopSig syscall.Signal
	// port is the port it serves (0: none), recorded for the Tracker.
	port int
}

// startProcess starts one process of the deployment: pinned to the target
// CPUs, logging to its own file, in its own cgroup when it has a budget,
// and watched so an unexpected exit marks the deployment failed. Every
// topology (instances, balancers, helper servers such as Redis) starts
// its processes through it.
func (dep *Deployment) startProcess(ps processSpec) (*proc, error) {
	var dirs []string
	if ps.limits != (limits{}) {
		dirs = dep.cgroupDirs(ps.component, ps.limits)
	}
	p, err := startProc(procSpec{
		name:    ps.component,
		argv:    ps.argv,
		env:     ps.env,
		dir:     ps.dir,
		logPath: filepath.Join(dep.logDir, dep.prefix+"-"+ps.component+".log"),
		cpus:    dep.driver.targetCPUs,
		stopSig: ps.stopSig,
		track:   dep.trackDir(),
		// trackHome: this process's own group in the pids hierarchy.
		trackHome: dep.driver.cgroups().pidsParent,
	}, dep.fail)
	if err != nil {
		return nil, err
	}
	dep.mu.Lock()
	dep.procs = append(dep.procs, p)
	dep.mu.Unlock()
	dep.driver.opts.Tracker.ProcessStarted(p.pid(), dep.spec.Name+"/"+ps.component, p.stopSig, ps.port)
	for _, dir := range dirs {
		if err := app.JoinCgroup(dir, p.pid()); err != nil {
			dep.budgetFailed(err)
		}
	}
	return p, nil
}

// cgroupDirs creates the cgroup for component with lim and records
// whether the budget is enforced; on failure it warns and returns none.
func (dep *Deployment) cgroupDirs(component string, lim limits) []string {
	d := dep.driver
	d.mu.Lock()
	d.budgetUsed = true
	d.mu.Unlock()
	dirs, err := d.cgroups().create(dep.cgRel+"/"+component, lim)
	if err != nil {
		dep.budgetFailed(err)
		return nil
	}
	for _, dir := range dirs {
		d.opts.Tracker.CgroupCreated(dir)
	}
	dep.mu.Lock()
	if lim.cpus > 0 && !dep.budgetBroken {
		dep.info.CPUBudgetEnforced = true
	}
	if lim.memoryMB > 0 && !dep.budgetBroken {
		dep.info.MemoryLimitBytes = uint64(lim.memoryMB) << 20
	}
	dep.mu.Unlock()
	return dirs
}

// budgetFailed warns that budgets are not enforced and records it.
func (dep *Deployment) budgetFailed(err error) {
	d := dep.driver
	d.mu.Lock()
	d.budgetFailed = true
	d.mu.Unlock()
	d.warn("CPU budgets not enforced: %v (run as root or with a delegated cgroup v2 subtree)", err)
	dep.mu.Lock()
	dep.budgetBroken = true
	dep.info.CPUBudgetEnforced = false
	dep.info.MemoryLimitBytes = 0
	dep.mu.Unlock()
}

// addNote records a fact about the deployment (e.g. a fallback).
func (dep *Deployment) addNote(note string) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.info.Notes = append(dep.info.Notes, note)
}

// instanceLimits is the budget of one app instance from the spec.
func (dep *Deployment) instanceLimits() limits {
	return limits{cpus: dep.spec.CPUBudget, memoryMB: dep.spec.MemoryMB}
}

// component names instance i.
func component(kind string, i int) string { return kind + "-" + strconv.Itoa(i) }
