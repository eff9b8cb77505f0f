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

// redisReadyTimeout bounds the wait for a Redis container's first PONG.
const redisReadyTimeout = 15 * time.Second

// redisEviction describes a Redis container's eviction for notes.
func redisEviction(cmd []string) string {
	if slices.Contains(cmd, "allkeys-lru") {
		return targets.RedisEviction("cache")
	}
	return targets.RedisEviction("store")
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
		note := fmt.Sprintf("redis-server %s in container %s, published on %s (%s, no persistence)", firstNonEmpty(v, "(version unknown)"), c.name, addr, redisEviction(c.cmd))
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
