package docker

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// Defaults applied to a Spec's empty fields.
const (
	defaultStartupTimeout = 20 * time.Second
	defaultAppHealth      = "/healthz"
	defaultImageHealth    = "/"
)

// StartError is returned by Up when a target could not be brought up. It
// carries the tail of each container's log, captured before the containers
// were removed; the runner records them in the target's results
// (errors.As, or an interface with Logs() map[string]string).
type StartError struct {
	Err      error
	logs     map[string]string
	Target   string
	Topology string
}

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Logs returns the tail of each container's log, keyed by component.
func (e *StartError) Logs() map[string]string { return e.logs }

// plan is what Up starts for a target, in start order.
type plan struct {
	containers []containerSpec
	// entry is the index of the container the load is sent to.
	entry int
	// backends are the indexes of containers checked for health before
	// the entry (replicas behind a balancer).
	backends []int
	// redis is the index of the Redis container (-1: none); Up waits for
	// its PING before starting the containers after it.
	redis  int
	health string
	info   results.Deployment
	// services are a service graph's services (microservices.go).
	services []plannedService
}

// Up starts the target's containers on the run's network and waits until
// the entry point answers the health path. On failure every container it
// started is removed and the error is a *StartError holding their logs.
func (d *Driver) Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error) {
	if spec.RunID != "" && spec.RunID != d.runID {
		return nil, fmt.Errorf("target %q: run id %q differs from the docker driver's %q", spec.Name, spec.RunID, d.runID)
	}
	topo := spec.Topology
	if topo == "" && spec.Image != "" {
		topo = "image"
	}
	switch topo {
	case "url":
		return urlDeployment(spec), nil
	case "command":
		return nil, fmt.Errorf("target %q: topology command is not supported by the docker driver: package the server as an image and use `image:` with `port:`, or use --driver process", spec.Name)
	}
	p, err := d.plan(ctx, spec, topo)
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	dep := &deployment{d: d, spec: spec, info: p.info}
	ok := false
	defer func() {
		// Runs on errors and panics alike: nothing this Up started survives it.
		if !ok {
			_ = dep.Down(ctx)
		}
	}()
	fail := func(err error) error {
		return &StartError{Err: fmt.Errorf("target %q: %w", spec.Name, err), logs: dep.Logs(), Target: spec.Name, Topology: topo}
	}
	for i, cs := range p.containers {
		c, err := d.start(ctx, cs)
		if err != nil {
			return nil, fail(err)
		}
		dep.containers = append(dep.containers, c)
		if err := dep.started(ctx, c, i == p.redis); err != nil {
			return nil, fail(err)
		}
	}
	timeout := spec.StartupTimeout
	if timeout <= 0 {
		timeout = defaultStartupTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, i := range append(slices.Clone(p.backends), p.entry) {
		c := dep.containers[i]
		url := "http://127.0.0.1:" + strconv.Itoa(c.hostPort) + p.health
		if err := dep.waitReady(wctx, url); err != nil {
			return nil, fail(fmt.Errorf("%s container %s not ready within %s at %s: %w", c.role, c.name, timeout, url, err))
		}
	}
	dep.endpoint = "http://127.0.0.1:" + strconv.Itoa(dep.containers[p.entry].hostPort)
	dep.info.Endpoint = dep.endpoint
	dep.recordFleet(p)
	dep.recordServices(p)
	ok = true
	return dep, nil
}

// plan decides the containers of a target.
func (d *Driver) plan(ctx context.Context, spec targets.Spec, topo string) (plan, error) {
	n := spec.Instances
	if n <= 0 {
		n = 1
		if t, ok := targets.Lookup(topo); ok {
			n = t.DefaultInstances
		}
	}
	policy := spec.Policy
	if policy == "" {
		policy = "round_robin"
	}
	p := plan{redis: -1}
	p.info = results.Deployment{
		Driver:            "docker",
		Instances:         n,
		GOMAXPROCS:        spec.GOMAXPROCS,
		CPUBudget:         spec.CPUBudget,
		CPUBudgetEnforced: spec.CPUBudget > 0 && (d.info == nil || d.info.CPUCfsQuota),
		CPUs:              slices.Clone(d.cpus),
		Images:            map[string]string{},
	}
	if spec.MemoryMB > 0 {
		p.info.MemoryLimitBytes = uint64(spec.MemoryMB) << 20
	}
	base := containerName("sb", d.runID, spec.Name)
	env := d.env(spec)
	switch topo {
	case "single", "cluster", "replicas":
		img, err := d.ensureAppImage(ctx)
		if err != nil {
			return p, err
		}
		p.info.Images["app"] = img
		p.health = firstNonEmpty(spec.Health, defaultAppHealth)
		switch topo {
		case "single":
			p.containers = append(p.containers, d.appContainer(spec, img, base+"-app", "app", env, 1, nil))
			p.info.Instances = 1
		case "cluster":
			args := []string{"--workers", strconv.Itoa(n)}
			p.containers = append(p.containers, d.appContainer(spec, img, base+"-cluster", "cluster", env, n, args))
			p.info.Balancer = "kernel"
			p.info.Notes = append(p.info.Notes, fmt.Sprintf("one container running %d cluster workers; its CPU quota and memory limit are %d× the per-instance budget", n, n))
		case "replicas":
			for i := range n {
				p.containers = append(p.containers, d.appContainer(spec, img, base+"-app-"+strconv.Itoa(i), "replica-"+strconv.Itoa(i), env, 1, nil))
				p.backends = append(p.backends, i)
			}
			if err := d.addBalancer(ctx, &p, spec, base, p.backends, appPort, policy); err != nil {
				return p, err
			}
		}
	case "image":
		if spec.Image == "" || spec.Port <= 0 {
			return p, fmt.Errorf("topology image needs image: and port: (got image %q, port %d)", spec.Image, spec.Port)
		}
		if err := ensureImage(ctx, d.pool, spec.Image, "the target's image:"); err != nil {
			return p, err
		}
		p.info.Images["app"] = spec.Image
		p.health = firstNonEmpty(spec.Health, defaultImageHealth)
		env = append(env, "PORT="+strconv.Itoa(spec.Port))
		for i := range n {
			cs := containerSpec{target: spec.Name, role: "app", name: base + "-app-" + strconv.Itoa(i), image: spec.Image, env: env, port: spec.Port}
			d.limit(&cs, spec, 1)
			p.containers = append(p.containers, cs)
			p.backends = append(p.backends, i)
		}
		if n == 1 {
			p.backends = nil
			break
		}
		if err := d.addBalancer(ctx, &p, spec, base, p.backends, spec.Port, policy); err != nil {
			return p, err
		}
	case targets.TopologyMicroservices, targets.TopologyMonolith:
		if err := d.planServiceGraph(ctx, &p, spec, base, env, policy); err != nil {
			return p, err
		}
	default:
		t, ok := targets.Lookup(topo)
		if !ok || len(t.AppArgs) == 0 {
			return p, fmt.Errorf("unknown topology %q for the docker driver", topo)
		}
		if err := d.planFeature(ctx, &p, spec, t, base, env, n, policy); err != nil {
			return p, err
		}
	}
	return p, nil
}

// env is the environment of every app instance.
func (d *Driver) env(spec targets.Spec) []string {
	var env []string
	if spec.GOMAXPROCS > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(spec.GOMAXPROCS))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		env = append(env, k+"="+spec.Env[k])
	}
	return env
}

// appContainer is one reference-app container holding `instances`
// instances (1, or the workers of a cluster).
func (d *Driver) appContainer(spec targets.Spec, img, name, id string, env []string, instances int, extra []string) containerSpec {
	cmd := []string{"serve", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--id", id}
	cmd = append(cmd, extra...)
	cmd = append(cmd, spec.AppArgs...)
	role := "app"
	if instances > 1 {
		role = "cluster"
	}
	cs := containerSpec{target: spec.Name, role: role, name: name, image: img, cmd: cmd,
		env: append(slices.Clone(env), "PORT="+strconv.Itoa(appPort)), port: appPort}
	d.limit(&cs, spec, instances)
	return cs
}

// limit applies the per-instance CPU budget and memory limit, times the
// number of instances the container holds, and the target cpuset.
func (d *Driver) limit(cs *containerSpec, spec targets.Spec, instances int) {
	cs.cpus = spec.CPUBudget * float64(instances)
	cs.memory = int64(spec.MemoryMB) << 20 * int64(instances)
	cs.cpuset = d.cpus
}

// addBalancer appends the balancer container in front of the containers
// of p at indexes backends, listening on their port.
func (d *Driver) addBalancer(ctx context.Context, p *plan, spec targets.Spec, base string, backends []int, port int, policy string) error {
	upstreams := make([]string, len(backends))
	for i, b := range backends {
		upstreams[i] = p.containers[b].name + ":" + strconv.Itoa(port)
	}
	kind, note, err := d.chooseBalancer(ctx, spec.Balancer)
	if err != nil {
		return err
	}
	if note != "" {
		p.info.Notes = append(p.info.Notes, note)
		d.warnOnce(note)
	}
	p.info.Balancer = kind
	p.info.BalancerPolicy = policy
	var cs containerSpec
	switch kind {
	case "nginx":
		conf, err := nginxConf(upstreams, policy, nginxPort, spec.Retries)
		if err != nil {
			return err
		}
		cs = containerSpec{target: spec.Name, role: "nginx", name: base + "-nginx", image: d.opts.NginxImage,
			cmd:   nginxCmd,
			files: map[string][]byte{nginxConfPath: conf},
			port:  nginxPort}
		p.info.Images["nginx"] = d.opts.NginxImage
	default: // go
		img, err := d.ensureAppImage(ctx)
		if err != nil {
			return err
		}
		cmd := []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--upstream-file", upstreamFile, "--policy", policy}
		if spec.Retries == "off" {
			cmd = append(cmd, "--no-retry")
		}
		cs = containerSpec{target: spec.Name, role: "balancer", name: base + "-balancer", image: img, cmd: cmd,
			files: map[string][]byte{upstreamFile: []byte(joinComma(upstreams) + "\n")},
			port:  appPort}
		p.info.Images["balancer"] = img
	}
	cs.cpuset = d.cpus
	p.containers = append(p.containers, cs)
	p.entry = len(p.containers) - 1
	return nil
}

// chooseBalancer resolves "auto" (nginx when its image is present or can
// be pulled, else the Go balancer), "nginx" and "go".
func (d *Driver) chooseBalancer(ctx context.Context, want string) (kind, note string, err error) {
	switch want {
	case "go":
		return "go", "", nil
	case "nginx":
		if err := ensureImage(ctx, d.pool, d.opts.NginxImage, EnvNginxImage); err != nil {
			return "", "", fmt.Errorf("balancer nginx: %w", err)
		}
		return "nginx", "", nil
	case "", "auto":
		if err := ensureImage(ctx, d.pool, d.opts.NginxImage, EnvNginxImage); err != nil {
			return "go", fmt.Sprintf("fallback: balancer auto: nginx image %s unavailable (set %s, or build one with fixtures/images/build.sh); used the built-in Go balancer", d.opts.NginxImage, EnvNginxImage), nil
		}
		return "nginx", "", nil
	default:
		return "", "", fmt.Errorf("unknown balancer %q (want auto, nginx or go)", want)
	}
}

// ensureAppImage builds the app image once per driver.
func (d *Driver) ensureAppImage(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.appImage != "" {
		return d.appImage, nil
	}
	bin, err := StaticBinary(ctx, d.opts.Binary)
	if err != nil {
		return "", err
	}
	img, err := AppImage(ctx, d.pool, d.opts.AppImage, bin)
	if err != nil {
		return "", err
	}
	d.appImage = img
	return img, nil
}

// waitReady polls url until it answers 200, a container dies, or ctx ends.
func (dep *deployment) waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext}}
	defer client.CloseIdleConnections()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		if derr := dep.Err(); derr != nil {
			return derr
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}
