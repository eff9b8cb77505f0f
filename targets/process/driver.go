package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/redis"
)

var _ targets.Driver = (*Driver)(nil)

// DefaultStartupTimeout bounds readiness when the Spec gives none.
const DefaultStartupTimeout = 30 * time.Second

// Options configure the driver.
type Options struct {
	// Exe is the binary providing the hidden `serve` and `balance`
	// commands (default: this executable).
	Exe string
	// RunID labels cgroups and log files when a Spec carries none.
	RunID string
	// LogDir receives one log file per process (default: a temporary
	// directory removed by Close).
	LogDir string
	// Warnf, when set, prints warnings as they are found (they are also
	// kept for Warnings).
	Warnf func(format string, args ...any)
	// TargetCPUs are the CPUs targets are pinned to (nil: from Placement).
	TargetCPUs []int
	// NoPin leaves targets unpinned.
	NoPin bool
	// Tracker, when set, hears about every process group and cgroup the
	// driver starts and stops, so that what a killed run leaves behind
	// can be found and stopped (targets/reaper's Guard).
	Tracker Tracker
}

// Tracker is told what the driver starts. Its methods must return quickly.
type Tracker interface {
	// ProcessStarted: pid leads a new process group; name is
	// "<target>/<component>", stopSig its polite stop signal, port the
	// port it serves (0: none).
	ProcessStarted(pid int, name string, stopSig syscall.Signal, port int)
	// ProcessStopped: the group led by pid was stopped.
	ProcessStopped(pid int)
	// CgroupCreated and CgroupRemoved: a cgroup folder of the run.
	CgroupCreated(dir string)
	CgroupRemoved(dir string)
}

// nopTracker is the Tracker of a driver given none.
type nopTracker struct{}

func (nopTracker) ProcessStarted(int, string, syscall.Signal, int) {}
func (nopTracker) ProcessStopped(int)                              {}
func (nopTracker) CgroupCreated(string)                            {}
func (nopTracker) CgroupRemoved(string)                            {}

// Driver runs targets as local processes. It is safe for concurrent use.
type Driver struct {
	opts       Options
	targetCPUs []int

	cgOnce sync.Once
	cg     *cgroupFS

	mu           sync.Mutex
	warnings     []string
	live         map[*Deployment]bool
	seq          int
	logDir       string
	ownLogDir    bool
	budgetUsed   bool // some deployment asked for a budget
	budgetFailed bool // and it could not be enforced
	components   map[string]string
	closed       bool
}

// New returns a driver. Call it before PinSelf: it computes the CPU
// placement from this process's affinity mask.
func New(opts Options) *Driver {
	if opts.Tracker == nil {
		opts.Tracker = nopTracker{}
	}
	d := &Driver{opts: opts, live: map[*Deployment]bool{}, components: map[string]string{}}
	if !opts.NoPin {
		d.targetCPUs = opts.TargetCPUs
		if d.targetCPUs == nil {
			_, d.targetCPUs = Placement()
		}
		if len(d.targetCPUs) == 0 {
			d.warn("only one CPU is usable: the load generator and the targets share it, so results understate capacity; nothing was pinned")
		}
	}
	return d
}

// Name is "process".
func (d *Driver) Name() string { return "process" }

// Warnings returns the findings so far (e.g. budgets not enforced).
func (d *Driver) Warnings() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.warnings)
}

// warn records a warning once and prints it through Warnf.
func (d *Driver) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.mu.Lock()
	dup := slices.Contains(d.warnings, msg)
	if !dup {
		d.warnings = append(d.warnings, msg)
	}
	d.mu.Unlock()
	if !dup && d.opts.Warnf != nil {
		d.opts.Warnf("%s", msg)
	}
}

// Environment records placement, the budget mechanism and component
// versions.
func (d *Driver) Environment(env *results.Environment) {
	env.Driver = d.Name()
	if gen := pinnedGenerator(); len(gen) > 0 {
		env.GeneratorCPUs = gen
	}
	env.TargetCPUs = slices.Clone(d.targetCPUs)
	cg := d.cgroups()
	d.mu.Lock()
	_, known := d.components["nginx"]
	d.mu.Unlock()
	if !known {
		// Record nginx's version even before (or without) a target using
		// it: the environment lists what is installed.
		if bin, err := lookNginx(); err == nil {
			if v := nginxVersion(bin); v != "" {
				d.noteComponent("nginx", v)
			}
		}
	}
	d.mu.Lock()
	_, known = d.components["redis"]
	d.mu.Unlock()
	if !known {
		if v := redis.InstalledVersion(); v != "" {
			d.noteComponent("redis", v)
		}
	}
	d.notePostgres()
	d.mu.Lock()
	defer d.mu.Unlock()
	env.CPUBudgetEnforced = cg.mechanism != "" && !d.budgetFailed
	if env.CPUBudgetEnforced {
		env.CPUBudgetMechanism = cg.mechanism
	} else {
		env.CPUBudgetMechanism = ""
	}
	if env.Components == nil {
		env.Components = map[string]string{}
	}
	for k, v := range d.components {
		env.Components[k] = v
	}
}

// cgroups detects the cgroup hierarchies once.
func (d *Driver) cgroups() *cgroupFS {
	d.cgOnce.Do(func() { d.cg = detectCgroups() })
	return d.cg
}

// exe is the binary providing `serve` and `balance`.
func (d *Driver) exe() (string, error) {
	if d.opts.Exe != "" {
		return d.opts.Exe, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable: %w", err)
	}
	return exe, nil
}

// logDirectory returns (creating it when missing) where logs go.
func (d *Driver) logDirectory() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.logDir != "" {
		// Made again each time: the results folder holding it may have
		// been deleted mid-run, and the next target still needs its logs.
		if err := os.MkdirAll(d.logDir, 0o755); err != nil {
			return "", fmt.Errorf("create log dir: %w", err)
		}
		return d.logDir, nil
	}
	if d.opts.LogDir != "" {
		// Absolute, because servers started with their own working
		// directory (nginx -p PREFIX) resolve paths against it.
		dir, err := filepath.Abs(d.opts.LogDir)
		if err != nil {
			return "", fmt.Errorf("log dir: %w", err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("create log dir: %w", err)
		}
		d.logDir = dir
		return d.logDir, nil
	}
	dir, err := os.MkdirTemp("", "scalebench-logs-")
	if err != nil {
		return "", fmt.Errorf("create log dir: %w", err)
	}
	d.logDir, d.ownLogDir = dir, true
	return dir, nil
}

// Up starts spec's topology and waits until it answers its health check.
// On failure everything started is torn down before Up returns.
func (d *Driver) Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error) {
	dep, err := d.up(ctx, spec)
	if err != nil {
		return nil, err
	}
	return dep, nil
}

// planFor is the layout the driver carries out. A microservices or
// monolith target is carried out from its service graph instead
// (microservices.go), whose services may be local commands, which the
// registry's plan (for every driver) refuses.
func planFor(spec targets.Spec) (targets.Layout, error) {
	if t := spec.Topology; t == targets.TopologyMicroservices || t == targets.TopologyMonolith {
		health := spec.Health
		if health == "" {
			health = "/healthz"
		}
		return targets.Layout{Target: spec.Name, Topology: t, Health: health}, nil
	}
	return targets.Plan(spec)
}

// up is Up returning the concrete type.
func (d *Driver) up(ctx context.Context, spec targets.Spec) (*Deployment, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, fmt.Errorf("target %q: driver is closed", spec.Name)
	}
	d.seq++
	seq := d.seq
	d.mu.Unlock()
	layout, err := planFor(spec)
	if err != nil {
		return nil, err
	}
	dep, err := d.newDeployment(spec, layout, seq)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	timeout := spec.StartupTimeout
	if timeout <= 0 {
		timeout = DefaultStartupTimeout
	}
	dep.timeout = timeout
	uctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	up := dep.upLayout
	if t := spec.Topology; t == targets.TopologyMicroservices || t == targets.TopologyMonolith {
		up = dep.upServiceGraph // microservices.go: a gateway and a balancer per service
	}
	if err := up(uctx); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		_ = dep.Down(context.Background())
		return nil, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	dep.mu.Lock()
	dep.info.Endpoint = dep.endpoint
	dep.mu.Unlock()
	dep.started.Store(true)
	return dep, nil
}

// Close stops every deployment still running and removes the cgroups and
// the temporary log directory. Safe to call more than once; call it from
// the runner's defer and on Ctrl-C.
func (d *Driver) Close(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	var deps []*Deployment
	for dep := range d.live {
		deps = append(deps, dep)
	}
	d.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(deps))
	for i, dep := range deps {
		wg.Go(func() { errs[i] = dep.Down(ctx) })
	}
	wg.Wait()
	if d.cg != nil {
		errs = append(errs, d.cg.removeAll())
	}
	d.mu.Lock()
	if d.ownLogDir {
		errs = append(errs, os.RemoveAll(d.logDir))
		d.logDir, d.ownLogDir = "", false
	}
	d.mu.Unlock()
	return errors.Join(errs...)
}

// noteComponent records a component's version for Environment.
func (d *Driver) noteComponent(name, version string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.components[name] = version
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// safeName makes s usable in file and cgroup names.
func safeName(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	if s == "" {
		return "target"
	}
	return s
}

// nginxSearchDirs are where nginx is looked for after PATH: the sbin
// dirs a non-root PATH often lacks.
var nginxSearchDirs = []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"}

// lookNginx finds nginx on PATH or in nginxSearchDirs.
func lookNginx() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, dir := range nginxSearchDirs {
		p := filepath.Join(dir, "nginx")
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("nginx not found on PATH")
}

// joinEnv appends k=v pairs from m to base, sorted by key.
func joinEnv(base []string, m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		base = append(base, k+"="+m[k])
	}
	return base
}

// displayName turns "instance-1" into "instance 1" for messages.
func displayName(component string) string {
	return strings.ReplaceAll(component, "-", " ")
}
