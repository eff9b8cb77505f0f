package swarm

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/nginx"
)

// Timing of a target's start.
const (
	defaultStartupTimeout = 60 * time.Second
	pollEvery             = 250 * time.Millisecond
)

// nginxConfPath is where a balancer task finds its configuration.
const nginxConfPath = "/etc/nginx/nginx.conf"

// LabelTarget holds "<run id>/<target>" on every object of one target, so
// Down removes exactly that target's objects.
const LabelTarget = "scalebench.swarm.target"

// Up carries out the target's layout as services on a new overlay
// network, in the layout's order, each waited for until its tasks run,
// then publishes the entry on 127.0.0.1 through a relay container and
// waits until it answers the health path. On failure everything it
// created is removed.
func (d *Driver) Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error) {
	if spec.RunID != "" && spec.RunID != d.runID {
		return nil, fmt.Errorf("target %q: run id %q differs from the swarm driver's %q", spec.Name, spec.RunID, d.runID)
	}
	if spec.Topology == "" && spec.Image != "" {
		spec.Topology = "image"
	}
	if spec.Topology == "url" {
		return urlDeployment(spec), nil
	}
	note, err := d.resolveBalancer(ctx, &spec)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	layout, err := targets.PlanImages(spec)
	if err != nil {
		return nil, err
	}
	dep := d.newDeployment(spec, layout)
	if note != "" {
		dep.info.Notes = append(dep.info.Notes, note)
	}
	ok := false
	defer func() {
		if !ok {
			_ = dep.Down(context.WithoutCancel(ctx))
		}
	}()
	if err := d.deploy(ctx, dep); err != nil {
		return nil, &StartError{Err: fmt.Errorf("target %q: %w", spec.Name, err), logs: dep.Logs()}
	}
	ok = true
	return dep, nil
}

// deploy creates the network, the services in order and the relay.
func (d *Driver) deploy(ctx context.Context, dep *deployment) error {
	// Images first: building the app image is not part of the start-up
	// the timeout bounds.
	images, err := d.images(ctx, dep.layout)
	if err != nil {
		return err
	}
	dep.info.Images = images
	timeout := dep.spec.StartupTimeout
	if timeout <= 0 {
		timeout = defaultStartupTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	net, err := d.cli.NetworkCreate(ctx, dep.base, network.CreateOptions{Driver: "overlay", Attachable: true, Labels: dep.labels})
	if err != nil {
		return fmt.Errorf("create overlay network %s: %w", dep.base, err)
	}
	dep.network = net.ID
	for _, c := range dep.layout.Components {
		if err := d.createService(ctx, dep, c, images); err != nil {
			return err
		}
		if err := dep.waitRunning(ctx, c.Name); err != nil {
			return err
		}
	}
	entry, _ := dep.layout.Component(dep.layout.Entry)
	if err := d.startRelay(ctx, dep, entry, images[targets.ImageApp]); err != nil {
		return err
	}
	return dep.waitReady(ctx)
}

// resolveBalancer turns "auto" into nginx when its image is present (or
// can be pulled), else the Go balancer, and says so (docker.ChooseBalancer).
func (d *Driver) resolveBalancer(ctx context.Context, spec *targets.Spec) (string, error) {
	kind, note, err := docker.ChooseBalancer(ctx, d.pool, d.opts.NginxImage, spec.Balancer)
	if err != nil {
		return "", err
	}
	spec.Balancer = kind
	return note, nil
}

// images resolves the image kinds the layout uses to references, building
// the app image when needed.
func (d *Driver) images(ctx context.Context, l targets.Layout) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range l.Components {
		switch c.Image {
		case targets.ImageApp:
			ref, err := d.ensureAppImage(ctx)
			if err != nil {
				return nil, err
			}
			out[c.Image] = ref
		case targets.ImageNginx:
			out[c.Image] = d.opts.NginxImage
		case targets.ImageRedis:
			if err := docker.EnsureImage(ctx, d.pool, d.opts.RedisImage, docker.EnvRedisImage); err != nil {
				return nil, fmt.Errorf("redis: %w", err)
			}
			out[c.Image] = d.opts.RedisImage
		default:
			if err := docker.EnsureImage(ctx, d.pool, c.Image, "the target's image:"); err != nil {
				return nil, err
			}
			out[c.Image] = c.Image
		}
	}
	// The relay runs from the app image whatever the topology.
	if _, ok := out[targets.ImageApp]; !ok {
		ref, err := d.ensureAppImage(ctx)
		if err != nil {
			return nil, err
		}
		out[targets.ImageApp] = ref
	}
	return out, nil
}

// ensureAppImage builds the reference-app image once per driver.
func (d *Driver) ensureAppImage(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.appImage != "" {
		return d.appImage, nil
	}
	bin, err := docker.StaticBinary(ctx, d.opts.Binary)
	if err != nil {
		return "", err
	}
	img, err := docker.AppImage(ctx, d.pool, d.opts.AppImage, bin)
	if err != nil {
		return "", err
	}
	d.appImage = img
	return img, nil
}

// createService creates component c as a replicated service with endpoint
// mode dnsrr, reachable on the target's network by its component name.
func (d *Driver) createService(ctx context.Context, dep *deployment, c targets.Component, images map[string]string) error {
	spec, err := d.serviceSpec(ctx, dep, c, images[c.Image])
	if err != nil {
		return err
	}
	resp, err := d.cli.ServiceCreate(ctx, spec, types.ServiceCreateOptions{QueryRegistry: false})
	if err != nil {
		return fmt.Errorf("create service %s: %w", spec.Name, err)
	}
	dep.services[c.Name] = resp.ID
	return nil
}

// serviceSpec is the Swarm service of component c.
func (d *Driver) serviceSpec(ctx context.Context, dep *deployment, c targets.Component, image string) (swarm.ServiceSpec, error) {
	replicas := uint64(max(c.Replicas, 1))
	env := maps.Clone(c.Env)
	if env == nil {
		env = map[string]string{}
	}
	if c.Image == targets.ImageApp && c.Role != targets.RoleBalancer {
		env["SCALEBENCH_INSTANCE_ID"] = c.Role + "-{{.Task.Slot}}"
	}
	cs := &swarm.ContainerSpec{Image: image, Args: c.Args, Env: envList(env), Labels: dep.labels}
	if c.Role == targets.RoleBalancer {
		if err := d.balancerSpec(ctx, dep, c, cs); err != nil {
			return swarm.ServiceSpec{}, err
		}
	}
	res := &swarm.ResourceRequirements{Limits: &swarm.Limit{}}
	if c.CPUs > 0 {
		res.Limits.NanoCPUs = int64(c.CPUs * 1e9)
	}
	if c.MemoryMB > 0 {
		res.Limits.MemoryBytes = int64(c.MemoryMB) << 20
	}
	return swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: dep.base + "-" + c.Name, Labels: dep.labels},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: cs,
			Resources:     res,
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
			Networks:      []swarm.NetworkAttachmentConfig{{Target: dep.network, Aliases: []string{c.Name}}},
		},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR},
	}, nil
}

// balancerSpec points balancer c at the addresses of its backend's tasks,
// one upstream per task as the process and docker drivers list one per
// instance: a single DNS name would leave the Go balancer's keep-alive
// pool on whichever task answered first, and nginx resolves names only
// when it starts anyway. Scale rewrites it when the tasks change.
func (d *Driver) balancerSpec(ctx context.Context, dep *deployment, c targets.Component, cs *swarm.ContainerSpec) error {
	upstreams, err := dep.taskAddrs(ctx, c.Upstream)
	if err != nil {
		return err
	}
	if c.Image != targets.ImageNginx {
		cs.Args = []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(c.Port), "--upstream", strings.Join(upstreams, ","), "--policy", dep.layout.Policy}
		return nil
	}
	ref, err := d.nginxConfig(ctx, dep, c, upstreams)
	if err != nil {
		return err
	}
	cs.Args = []string{"nginx", "-c", nginxConfPath}
	cs.Configs = []*swarm.ConfigReference{ref}
	return nil
}

// nginxConfig creates a Swarm config holding balancer c's nginx.conf over
// upstreams (a new config each time: configs cannot be changed in place).
func (d *Driver) nginxConfig(ctx context.Context, dep *deployment, c targets.Component, upstreams []string) (*swarm.ConfigReference, error) {
	conf, err := nginx.Render(nginx.Config{
		Listen:    strconv.Itoa(c.Port),
		Upstreams: upstreams,
		Policy:    dep.layout.Policy,
		PIDFile:   "/tmp/nginx.pid",
		TempDir:   "/tmp",
	})
	if err != nil {
		return nil, err
	}
	dep.configs++
	name := dep.base + "-" + c.Name + "-conf-" + strconv.Itoa(dep.configs)
	resp, err := d.cli.ConfigCreate(ctx, swarm.ConfigSpec{Annotations: swarm.Annotations{Name: name, Labels: dep.labels}, Data: conf})
	if err != nil {
		return nil, fmt.Errorf("create config %s: %w", name, err)
	}
	return &swarm.ConfigReference{
		File:     &swarm.ConfigReferenceFileTarget{Name: nginxConfPath, UID: "0", GID: "0", Mode: 0o444},
		ConfigID: resp.ID, ConfigName: name,
	}, nil
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// objectName is a Docker object name made of parts: lower-case letters,
// digits and dashes, at most 50 characters (a service name may have 63,
// and components append their own suffix).
func objectName(parts ...string) string {
	s := strings.ToLower(strings.Join(parts, "-"))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 50 {
		out = strings.TrimRight(out[:50], "-")
	}
	return out
}

// info is the deployment record of a layout.
func (d *Driver) info(spec targets.Spec, l targets.Layout) results.Deployment {
	info := results.Deployment{
		Driver:            "swarm",
		Instances:         l.Instances,
		Balancer:          l.Balancer,
		GOMAXPROCS:        spec.GOMAXPROCS,
		CPUBudget:         spec.CPUBudget,
		CPUBudgetEnforced: spec.CPUBudget > 0,
		Notes:             slices.Clone(l.Notes),
	}
	if l.Balancer != "" && l.Balancer != "kernel" {
		info.BalancerPolicy = l.Policy
	}
	if spec.MemoryMB > 0 {
		info.MemoryLimitBytes = uint64(spec.MemoryMB) << 20
	}
	if spec.CPUBudget > 0 {
		info.Notes = append(info.Notes, "CPU budgets are Swarm resource limits (CFS quota over the engine's default 100 ms period: Swarm has no period setting, so a fractional budget can stall an instance for most of a period)")
	}
	return info
}
