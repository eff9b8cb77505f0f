package docker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/scalebench/scalebench/targets"
)

// defaultQueueWorkers is the worker count of a queue topology whose spec
// gives none (the process driver's too).
const defaultQueueWorkers = 2

// cacheMaxMemoryMB caps the Redis of a cache topology, as the process
// driver does; with allkeys-lru it evicts like a production cache instead
// of growing without bound.
const cacheMaxMemoryMB = 128

// redisReadyTimeout bounds the wait for a Redis container's first PONG.
const redisReadyTimeout = 15 * time.Second

// planFeature plans a Redis-backed (or Redis-baseline) topology of the
// catalog with the process driver's semantics: Redis first when the
// topology needs one ("cache": maxmemory with allkeys-lru; "store": no
// eviction), then n app containers with the topology's AppArgs and
// --redis NAME:6379 (the Redis container's address on the run's network),
// then the queue workers (`scalebench worker` from the app image, each
// with an instance's CPU budget and memory limit), then the balancer when
// n > 1.
func (d *Driver) planFeature(ctx context.Context, p *plan, spec targets.Spec, topo targets.Topology, base string, env []string, n int, policy string) error {
	img, err := d.ensureAppImage(ctx)
	if err != nil {
		return err
	}
	p.info.Images["app"] = img
	p.health = firstNonEmpty(spec.Health, defaultAppHealth)
	args := slices.Clone(topo.AppArgs)
	redisAddr := ""
	if topo.Redis != "" {
		if err := ensureImage(ctx, d.pool, d.opts.RedisImage, EnvRedisImage); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		rs := d.redisSpec(spec.Name, base+"-redis", topo.Redis)
		p.redis = len(p.containers)
		p.containers = append(p.containers, rs)
		p.info.Images["redis"] = rs.image
		redisAddr = rs.name + ":" + strconv.Itoa(redisPort)
		args = append(args, "--redis", redisAddr)
	}
	if spec.Database != nil {
		dbArgs, err := d.planDatabase(ctx, p, spec, base)
		if err != nil {
			return err
		}
		args = append(args, dbArgs...)
	}
	spec.AppArgs = append(args, spec.AppArgs...)
	var apps []int
	for i := range n {
		name, id := base+"-app", "app"
		if n > 1 {
			name, id = base+"-app-"+strconv.Itoa(i), "replica-"+strconv.Itoa(i)
		}
		apps = append(apps, len(p.containers))
		p.containers = append(p.containers, d.appContainer(spec, img, name, id, env, 1, nil))
	}
	if topo.QueueWorkers {
		w := spec.QueueWorkers
		if w <= 0 {
			w = defaultQueueWorkers
		}
		for i := 1; i <= w; i++ {
			id := "worker-" + strconv.Itoa(i)
			cmd := append([]string{"worker", "--redis", redisAddr, "--id", id}, spec.WorkerArgs...)
			cs := containerSpec{target: spec.Name, role: "worker", name: base + "-" + id, image: img, cmd: cmd, env: slices.Clone(env)}
			d.limit(&cs, spec, 1)
			p.containers = append(p.containers, cs)
		}
		p.info.Notes = append(p.info.Notes, fmt.Sprintf("%d queue worker containers, each with an instance's CPU budget and memory limit", w))
	}
	if n == 1 {
		p.entry = apps[0]
		return nil
	}
	p.backends = apps
	return d.addBalancer(ctx, p, spec, base, apps, appPort, policy)
}

// redisSpec is a Redis container: no persistence, protected mode off
// (only the run's private network and 127.0.0.1 reach it), its port
// published on 127.0.0.1 so the runner's queue collector can connect from
// the host. kind "cache" evicts with allkeys-lru under maxmemory; any other
// kind never evicts.
func (d *Driver) redisSpec(target, name, kind string) containerSpec {
	return containerSpec{target: target, role: "redis", name: name, image: d.opts.RedisImage, cmd: redisCmd(kind), port: redisPort, cpuset: d.cpus}
}

// redisCmd is the command of a Redis container of kind "cache" or "store".
func redisCmd(kind string) []string {
	cmd := []string{"redis-server", "--port", strconv.Itoa(redisPort), "--protected-mode", "no", "--save", "", "--appendonly", "no"}
	if kind == "cache" {
		cmd = append(cmd, "--maxmemory", strconv.Itoa(cacheMaxMemoryMB)+"mb", "--maxmemory-policy", "allkeys-lru")
	}
	return cmd
}

// redisKind describes a Redis container's eviction for notes.
func redisKind(cmd []string) string {
	if slices.Contains(cmd, "allkeys-lru") {
		return fmt.Sprintf("maxmemory %d MB, allkeys-lru", cacheMaxMemoryMB)
	}
	return "noeviction"
}

// started runs after each container of a deployment starts: a Redis
// container is waited for (PING) before anything that needs it starts,
// and Redis and nginx versions are recorded.
func (dep *deployment) started(ctx context.Context, c *container, isRedis bool) error {
	switch {
	case isRedis:
		addr := "127.0.0.1:" + strconv.Itoa(c.hostPort)
		if err := waitPing(ctx, addr, redisReadyTimeout); err != nil {
			return fmt.Errorf("redis container %s: %w", c.name, err)
		}
		dep.mu.Lock()
		dep.redis = c
		dep.mu.Unlock()
		v := dep.d.componentVersion(ctx, "redis", c, []string{"redis-server", "--version"}, redisVersion)
		note := fmt.Sprintf("redis-server %s in container %s, published on %s (%s, no persistence)", firstNonEmpty(v, "(version unknown)"), c.name, addr, redisKind(c.cmd))
		dep.info.Notes = append(dep.info.Notes, note)
		dep.setComponent("redis", v)
	case c.role == "nginx":
		dep.setComponent("nginx", dep.d.componentVersion(ctx, "nginx", c, []string{"nginx", "-v"}, nginxVersion))
	case c.role == roleDatabase:
		return dep.startedPostgres(ctx, c)
	}
	return nil
}

// setComponent records a component's version in the deployment's info.
func (dep *deployment) setComponent(name, version string) {
	if version == "" {
		return
	}
	if dep.info.Components == nil {
		dep.info.Components = map[string]string{}
	}
	dep.info.Components[name] = version
}

// componentVersion runs cmd in c once per image and parses its output;
// the driver keeps the version for Environment. "" when it cannot tell.
func (d *Driver) componentVersion(ctx context.Context, name string, c *container, cmd []string, parse func(string) string) string {
	d.mu.Lock()
	v, ok := d.versions[c.image]
	d.mu.Unlock()
	if !ok {
		out, err := d.exec(ctx, c.id, cmd)
		if err == nil {
			v = parse(out)
		}
		d.mu.Lock()
		d.versions[c.image] = v
		d.mu.Unlock()
	}
	if v != "" {
		d.mu.Lock()
		d.components[name] = v
		d.mu.Unlock()
	}
	return v
}

// exec runs cmd in a running container and returns its combined output.
func (d *Driver) exec(ctx context.Context, id string, cmd []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	e, err := d.pool.Client.CreateExec(dc.CreateExecOptions{Container: id, Cmd: cmd, AttachStdout: true, AttachStderr: true, Context: ctx})
	if err != nil {
		return "", err
	}
	var out strings.Builder
	err = d.pool.Client.StartExec(e.ID, dc.StartExecOptions{OutputStream: &out, ErrorStream: &out, Context: ctx})
	return out.String(), err
}

// redisVersion parses `redis-server --version` ("Redis server v=7.0.15 sha=…").
func redisVersion(out string) string {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return v
		}
	}
	return ""
}

// nginxVersion parses `nginx -v` ("nginx version: nginx/1.22.1").
func nginxVersion(out string) string {
	if _, v, ok := strings.Cut(out, "nginx/"); ok {
		if f := strings.Fields(v); len(f) > 0 {
			return f[0]
		}
	}
	return ""
}

// RedisAddr is the address of the deployment's Redis container as the
// host reaches it (127.0.0.1 and its published port; "" when it has none):
// the runner's queue collector connects from the host.
func (dep *deployment) RedisAddr() string {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	if dep.redis == nil {
		return ""
	}
	return "127.0.0.1:" + strconv.Itoa(dep.redis.hostPort)
}

// RedisErr is non-nil once the deployment's Redis container has stopped.
// A dead Redis does not fail the deployment (Err stays nil), as with the
// process driver: the instances keep answering, with errors, and the
// runner records them.
func (dep *deployment) RedisErr() error {
	dep.mu.Lock()
	r, down := dep.redis, dep.down
	dep.mu.Unlock()
	if r == nil || down {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return dep.d.exited(ctx, r)
}

// imageVersion is the version a local image records in its environment
// (NGINX_VERSION, REDIS_VERSION: the official images and the offline ones
// of fixtures/images do), "" when the image is absent or does not say.
func imageVersion(pool *dockertest.Pool, ref, key string) string {
	img, err := pool.Client.InspectImage(ref)
	if err != nil || img.Config == nil {
		return ""
	}
	for _, e := range img.Config.Env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v
		}
	}
	return ""
}
