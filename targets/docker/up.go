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

	"github.com/ory/dockertest/v3"

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
	spec.Topology = topo
	p, err := d.prepare(ctx, spec)
	if err != nil {
		return nil, err
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
	for _, i := range append(append(slices.Clone(p.ready), p.backends...), p.entry) {
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

// prepare plans spec (targets.Plan), chooses the balancer and makes sure
// every image the layout names is present, then turns the layout into
// containers (planContainers, which needs no engine).
func (d *Driver) prepare(ctx context.Context, spec targets.Spec) (plan, error) {
	l, err := targets.Plan(spec)
	if err != nil {
		return plan{}, err
	}
	note := ""
	if l.Balancer == "nginx" || l.Balancer == "go" {
		var kind string
		kind, note, err = d.chooseBalancer(ctx, spec.Balancer)
		if err != nil {
			return plan{}, fmt.Errorf("target %q: %w", spec.Name, err)
		}
		if note != "" {
			d.warnOnce(note)
		}
		if kind != l.Balancer {
			spec.Balancer = kind
			if l, err = targets.Plan(spec); err != nil {
				return plan{}, err
			}
		}
	}
	images, err := d.images(ctx, l)
	if err != nil {
		return plan{}, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	return planContainers(planner{spec: spec, layout: l, base: containerName("sb", d.runID, spec.Name), images: images,
		cpus: d.cpus, quota: d.info == nil || d.info.CPUCfsQuota, balancerNote: note})
}

// images resolves the image kinds of the layout to references, building
// the app image and checking (or pulling) the others.
func (d *Driver) images(ctx context.Context, l targets.Layout) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range l.Components {
		if _, done := out[c.Image]; done {
			continue
		}
		var ref string
		var err error
		switch c.Image {
		case targets.ImageApp:
			ref, err = d.ensureAppImage(ctx)
		case targets.ImageNginx:
			ref = d.opts.NginxImage // checked by chooseBalancer
		case targets.ImageRedis:
			ref = d.opts.RedisImage
			if err = ensureImage(ctx, d.pool, ref, EnvRedisImage); err != nil {
				err = fmt.Errorf("redis: %w", err)
			}
		case targets.ImagePostgres:
			ref = d.opts.PostgresImage
			if err = ensureImage(ctx, d.pool, ref, EnvPostgresImage); err != nil {
				err = fmt.Errorf("postgres: %w", err)
			}
		default:
			ref, err = c.Image, ensureImage(ctx, d.pool, c.Image, "the target's image:")
		}
		if err != nil {
			return nil, err
		}
		out[c.Image] = ref
	}
	return out, nil
}

// envList is the environment of every app instance: GOMAXPROCS, then
// the spec's variables by name.
func envList(spec targets.Spec) []string {
	var env []string
	if spec.GOMAXPROCS > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(spec.GOMAXPROCS))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		env = append(env, k+"="+spec.Env[k])
	}
	return env
}

// chooseBalancer resolves the spec's balancer (see ChooseBalancer).
func (d *Driver) chooseBalancer(ctx context.Context, want string) (kind, note string, err error) {
	return ChooseBalancer(ctx, d.pool, d.opts.NginxImage, want)
}

// ChooseBalancer resolves a spec's balancer for the engine drivers (docker,
// swarm): "auto" is nginx when nginxImage is present or can be pulled, else
// the built-in Go balancer with a note saying so (a fallback, flagged in
// reports); "nginx" needs the image; "go" needs nothing.
func ChooseBalancer(ctx context.Context, pool *dockertest.Pool, nginxImage, want string) (kind, note string, err error) {
	switch want {
	case "go":
		return "go", "", nil
	case "nginx":
		if err := ensureImage(ctx, pool, nginxImage, EnvNginxImage); err != nil {
			return "", "", fmt.Errorf("balancer nginx: %w", err)
		}
		return "nginx", "", nil
	case "", "auto":
		if err := ensureImage(ctx, pool, nginxImage, EnvNginxImage); err != nil {
			return "go", fmt.Sprintf("fallback: balancer auto: nginx image %s unavailable (set %s, or build one with fixtures/images/build.sh); used the built-in Go balancer", nginxImage, EnvNginxImage), nil
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
