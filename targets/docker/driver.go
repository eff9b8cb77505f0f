package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

var _ targets.Driver = (*Driver)(nil)

// cleanupTimeout bounds removals done on the way out, which run even when
// the caller's context is already cancelled (Ctrl-C).
const cleanupTimeout = 30 * time.Second

// Driver runs targets as Docker containers on one private network per run.
type Driver struct {
	opts    Options
	pool    *dockertest.Pool
	runID   string
	network *dc.Network
	cpus    []int // target cpuset (empty: not pinned)
	info    *dc.DockerInfo
	version string

	// bg outlives Up calls: the Expire backstops run under it.
	bg       context.Context
	cancelBG context.CancelFunc
	expiring sync.WaitGroup

	mu       sync.Mutex
	appImage string // built lazily by the first target that needs it
	// versions maps an image to its server's version ("" : unknown);
	// components maps nginx and redis to the versions targets ran.
	versions   map[string]string
	components map[string]string
	warnings   []string
	closed     bool
}

// New connects to the Docker engine, removes what crashed runs left behind
// (see Clean), and creates the run's private network.
func New(ctx context.Context, opts Options) (*Driver, error) {
	opts = opts.withDefaults()
	pool, err := Connect(ctx, opts.Endpoint)
	if err != nil {
		return nil, err
	}
	d := &Driver{opts: opts, pool: pool, runID: opts.RunID, versions: map[string]string{}, components: map[string]string{}}
	if d.runID == "" {
		d.runID = newRunID()
	}
	d.cpus = opts.TargetCPUs
	if d.cpus == nil {
		d.cpus = defaultTargetCPUs()
	}
	if info, err := pool.Client.Info(); err == nil {
		d.info = info
		d.version = info.ServerVersion
		if !info.CPUCfsQuota {
			d.warnings = append(d.warnings, "docker: the engine does not support CPU CFS quotas; cpu_budget is not enforced")
		}
		if !info.MemoryLimit {
			d.warnings = append(d.warnings, "docker: the engine does not support memory limits; memory_mb is not enforced")
		}
	}
	removed, err := Clean(ctx, pool, CleanOptions{})
	if err != nil {
		d.warnings = append(d.warnings, fmt.Sprintf("docker: sweep of leftovers from earlier runs failed: %v", err))
	} else if !removed.Empty() {
		msg := fmt.Sprintf("docker: removed leftovers of crashed runs: %s", removed)
		d.warnings = append(d.warnings, msg)
		fmt.Fprintln(opts.Log, msg)
	}
	labels := d.labels()
	d.network, err = pool.Client.CreateNetwork(dc.CreateNetworkOptions{
		Name:           "sb-" + containerName(d.runID),
		Driver:         "bridge",
		Labels:         labels,
		CheckDuplicate: true,
		Context:        ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("docker: create network for run %s: %w", d.runID, err)
	}
	opts.Tracker.DockerCreated("network", d.network.ID, d.network.Name)
	d.bg, d.cancelBG = context.WithCancel(context.Background())
	return d, nil
}

// newRunID makes up a run id when none is given.
func newRunID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
}

// Name is "docker".
func (d *Driver) Name() string { return "docker" }

// RunID is the id every container and network of this driver is labelled with.
func (d *Driver) RunID() string { return d.runID }

// Pool is the connection to the Docker engine.
func (d *Driver) Pool() *dockertest.Pool { return d.pool }

// labels are the labels of every resource of this run.
func (d *Driver) labels() map[string]string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return map[string]string{
		LabelScalebench: "1",
		LabelRun:        d.runID,
		LabelHost:       host,
		LabelPID:        strconv.Itoa(pid),
		LabelPIDStart:   pidStart(pid),
	}
}

// Warnings are findings about the engine and the sweep of leftovers.
func (d *Driver) Warnings() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.warnings...)
}

// warnOnce records msg unless it is already a warning (a fallback is the
// same for every target).
func (d *Driver) warnOnce(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range d.warnings {
		if w == msg {
			return
		}
	}
	d.warnings = append(d.warnings, msg)
}

func (d *Driver) warn(msg string) {
	d.mu.Lock()
	d.warnings = append(d.warnings, msg)
	d.mu.Unlock()
}

// Environment records the driver, the budget mechanism, the target CPUs and
// the engine's version.
func (d *Driver) Environment(env *results.Environment) {
	env.Driver = "docker"
	enforced := d.info == nil || d.info.CPUCfsQuota
	env.CPUBudgetEnforced = enforced
	if enforced {
		env.CPUBudgetMechanism = "docker"
	}
	env.TargetCPUs = append([]int(nil), d.cpus...)
	if env.Components == nil {
		env.Components = map[string]string{}
	}
	if d.version != "" {
		env.Components["docker"] = d.version
	}
	// What the configured images hold, before (or without) a target
	// running them; a target's own run overrides it below.
	for name, ref := range map[string]string{"nginx": d.opts.NginxImage, "redis": d.opts.RedisImage} {
		if v := imageVersion(d.pool, ref, strings.ToUpper(name)+"_VERSION"); v != "" {
			env.Components[name] = v
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, v := range d.components {
		env.Components[k] = v
	}
}

// Close removes every container still labelled with the run, then the
// run's network. It runs even when ctx is already cancelled (it is what
// Ctrl-C ends with) and is safe to call twice.
func (d *Driver) Close(ctx context.Context) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var errs []error
	if _, err := removeLabelled(ctx, d.pool, LabelRun+"="+d.runID, nil); err != nil {
		errs = append(errs, err)
	} else if d.network != nil {
		d.opts.Tracker.DockerRemoved(d.network.ID)
	}
	d.cancelBG()
	d.expiring.Wait()
	return errors.Join(errs...)
}
