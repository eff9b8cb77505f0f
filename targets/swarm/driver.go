package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/ory/dockertest/v3"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/docker"
)

var _ targets.Driver = (*Driver)(nil)

// LabelInit marks a swarm that scalebench initialised itself (node label),
// so Close and `scalebench clean` know they may leave it.
const LabelInit = "scalebench.init"

// cleanupTimeout bounds removals on the way out, which run even when the
// caller's context is already cancelled (Ctrl-C).
const cleanupTimeout = 30 * time.Second

// Options configure a Driver. Zero fields take the docker driver's defaults.
type Options struct {
	// RunID labels every service, config, network and container of the run.
	RunID string
	// Binary, AppImage, NginxImage and RedisImage as for the docker driver.
	Binary     string
	AppImage   string
	NginxImage string
	RedisImage string
	// NoInit refuses to make the engine a swarm when it is not one.
	NoInit bool
	// Log receives progress lines. Nil: discarded.
	Log io.Writer
}

// Driver runs targets as Swarm services.
type Driver struct {
	opts  Options
	cli   *client.Client
	pool  *dockertest.Pool // image builds, shared with the docker driver
	runID string

	initialised bool // this driver made the engine a swarm
	version     string

	mu       sync.Mutex
	appImage string
	warnings []string
	closed   atomic.Bool // Close has run
}

// New connects to the engine, makes it a single-node swarm when it is not
// one (unless opts.NoInit), and removes what dead runs left behind.
func New(ctx context.Context, opts Options) (*Driver, error) {
	opts = withDefaults(opts)
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("swarm: docker client: %w", err)
	}
	info, err := cli.Info(ctx)
	if err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("swarm: Docker engine not reachable (start it, e.g. 'service docker start'): %w", err)
	}
	pool, err := docker.Connect(ctx, "")
	if err != nil {
		_ = cli.Close()
		return nil, err
	}
	d := &Driver{opts: opts, cli: cli, pool: pool, runID: opts.RunID, version: info.ServerVersion}
	if err := d.join(ctx, info.Swarm); err != nil {
		_ = cli.Close()
		return nil, err
	}
	if removed, err := Clean(ctx, cli, CleanOptions{}); err != nil {
		d.warn("swarm: sweeping leftovers of dead runs: " + err.Error())
	} else if !removed.Empty() {
		d.warn("swarm: removed leftovers of dead runs: " + removed.String())
	}
	return d, nil
}

// join makes sure the engine is an active swarm manager.
func (d *Driver) join(ctx context.Context, s swarm.Info) error {
	switch {
	case s.LocalNodeState == swarm.LocalNodeStateActive && s.ControlAvailable:
		return nil
	case s.LocalNodeState == swarm.LocalNodeStateActive:
		return errors.New("swarm: this engine is a swarm worker; run scalebench against a manager (DOCKER_HOST)")
	case d.opts.NoInit:
		return errors.New("swarm: the engine is not part of a swarm; run `docker swarm init --advertise-addr 127.0.0.1` first (or drop --swarm-no-init)")
	}
	if _, err := d.cli.SwarmInit(ctx, swarm.InitRequest{ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1"}); err != nil {
		return fmt.Errorf("swarm: docker swarm init --advertise-addr 127.0.0.1: %w", err)
	}
	d.initialised = true
	d.warn("swarm: the engine was not part of a swarm; scalebench made it a single-node swarm on 127.0.0.1 and leaves it at the end")
	return labelNode(ctx, d.cli)
}

// labelNode marks this node as initialised by scalebench.
func labelNode(ctx context.Context, cli *client.Client) error {
	info, err := cli.Info(ctx)
	if err != nil {
		return err
	}
	node, _, err := cli.NodeInspectWithRaw(ctx, info.Swarm.NodeID)
	if err != nil {
		return err
	}
	if node.Spec.Labels == nil {
		node.Spec.Labels = map[string]string{}
	}
	node.Spec.Labels[LabelInit] = "1"
	return cli.NodeUpdate(ctx, node.ID, node.Version, node.Spec)
}

func withDefaults(o Options) Options {
	pick := func(v, env, def string) string {
		if v != "" {
			return v
		}
		if e := os.Getenv(env); e != "" {
			return e
		}
		return def
	}
	o.AppImage = pick(o.AppImage, docker.EnvAppImage, docker.DefaultAppImage)
	o.NginxImage = pick(o.NginxImage, docker.EnvNginxImage, docker.DefaultNginxImage)
	o.RedisImage = pick(o.RedisImage, docker.EnvRedisImage, docker.DefaultRedisImage)
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// Name is "swarm".
func (d *Driver) Name() string { return "swarm" }

// Warnings are findings about the engine, the swarm and the sweep.
func (d *Driver) Warnings() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.warnings...)
}

func (d *Driver) warn(msg string) {
	d.mu.Lock()
	d.warnings = append(d.warnings, msg)
	d.mu.Unlock()
}

// Environment records the driver, the budget mechanism (service resource
// limits, enforced by the engine's CFS quota) and the engine's version.
func (d *Driver) Environment(env *results.Environment) {
	env.Driver = "swarm"
	env.CPUBudgetEnforced = true
	env.CPUBudgetMechanism = "swarm"
	if env.Components == nil {
		env.Components = map[string]string{}
	}
	if d.version != "" {
		env.Components["docker"] = d.version
	}
	for name, ref := range map[string]string{"nginx": d.opts.NginxImage, "redis": d.opts.RedisImage} {
		if v := docker.ImageVersion(d.pool, ref, map[string]string{"nginx": "NGINX_VERSION", "redis": "REDIS_VERSION"}[name]); v != "" {
			env.Components[name] = v
		}
	}
}

// Close removes everything labelled with the run and, when New made the
// engine a swarm, leaves it again. It runs even when ctx is already
// cancelled and is safe to call twice.
func (d *Driver) Close(ctx context.Context) error {
	if !d.closed.CompareAndSwap(false, true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var errs []error
	if _, err := removeLabelled(ctx, d.cli, docker.LabelRun+"="+d.runID, nil); err != nil {
		errs = append(errs, err)
	}
	if d.initialised {
		if err := leave(ctx, d.cli); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, d.cli.Close())
	return errors.Join(errs...)
}

// leave makes the engine leave the swarm and removes the docker_gwbridge
// network that leaving leaves behind. The engine can keep the routing
// mesh's sandbox (gateway_ingress-sbox) attached to it after a quick
// init-and-leave, which blocks the removal: it is disconnected by force.
func leave(ctx context.Context, cli *client.Client) error {
	if err := cli.SwarmLeave(ctx, true); err != nil {
		return fmt.Errorf("swarm: leave: %w", err)
	}
	var err error
	for range 40 {
		if err = cli.NetworkRemove(ctx, gwBridge); err == nil || client.IsErrNotFound(err) {
			return nil
		}
		_ = cli.NetworkDisconnect(ctx, gwBridge, "gateway_ingress-sbox", true)
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("swarm: left the swarm, but could not remove the %s network it leaves behind (docker network rm %s): %w", gwBridge, gwBridge, err)
}

// gwBridge is the bridge network the engine creates for swarm tasks.
const gwBridge = "docker_gwbridge"
