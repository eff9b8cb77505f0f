package process

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/redis"
)

// startRedis starts the deployment's redis-server (no persistence, its
// own port, its data and log under the driver's log dir) and records it.
// kind "cache" evicts with allkeys-lru; "store" never evicts.
func (dep *Deployment) startRedis(ctx context.Context, kind string) (string, error) {
	dir, err := filepath.Abs(filepath.Join(dep.logDir, dep.prefix+"-redis"))
	if err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	srv, err := redis.Start(ctx, redisOptions(kind, dir))
	if err != nil {
		return "", fmt.Errorf("start redis: %w", err)
	}
	// Redis is part of the target: keep it off the generator's CPU.
	if cpus := dep.driver.targetCPUs; len(cpus) > 0 {
		if err := pinPID(srv.PID(), cpus); err != nil {
			dep.driver.warn("redis-server not pinned to the target CPUs: %v", err)
		}
	}
	dep.trackPID(srv.PID())
	dep.driver.opts.Tracker.ProcessStarted(srv.PID(), dep.spec.Name+"/redis", syscall.SIGTERM, srv.Port())
	dep.mu.Lock()
	dep.redis, dep.redisKind = srv, kind
	if dep.info.Components == nil {
		dep.info.Components = map[string]string{}
	}
	dep.info.Components["redis"] = srv.Version()
	dep.info.Notes = append(dep.info.Notes, fmt.Sprintf("redis-server %s on %s (%s, no persistence)", srv.Version(), srv.Addr(), targets.RedisEviction(kind)))
	dep.mu.Unlock()
	dep.driver.noteComponent("redis", srv.Version())
	return srv.Addr(), nil
}

// redisOptions are the options of a Redis of kind "cache" (allkeys-lru
// under maxmemory) or "store" (no eviction) keeping its files in dir.
func redisOptions(kind, dir string) redis.Options {
	opts := redis.Options{Dir: dir}
	if kind == "cache" {
		opts.MaxMemoryMB, opts.MaxMemoryPolicy = targets.CacheMaxMemoryMB, "allkeys-lru"
	}
	return opts
}

// startQueueWorkers starts worker component c's Replicas `scalebench
// worker` processes, each with an app instance's budget and GOMAXPROCS.
func (dep *Deployment) startQueueWorkers(c targets.Component, addrs map[string]string) error {
	exe, err := dep.driver.exe()
	if err != nil {
		return err
	}
	flags := targets.RenderArgs(c.Flags, lookup(addrs))
	for i := 1; i <= c.Replicas; i++ {
		name := component("worker", i)
		argv := append([]string{exe, "worker", "--id", name}, flags...)
		if _, err := dep.startProcess(processSpec{component: name, argv: argv, env: dep.appEnv(), limits: dep.instanceLimits()}); err != nil {
			return err
		}
	}
	dep.addNote(fmt.Sprintf("%d queue worker processes", c.Replicas))
	return nil
}

// Redis is the deployment's redis-server, nil when it has none.
func (dep *Deployment) Redis() *redis.Server {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.redis
}

// RedisAddr is the address of the deployment's Redis ("" when none).
func (dep *Deployment) RedisAddr() string {
	if r := dep.Redis(); r != nil {
		return r.Addr()
	}
	return ""
}

// RedisErr is non-nil once the deployment's Redis exited unexpectedly.
// A dead Redis does not fail the deployment (Err stays nil): the
// instances keep answering, with errors, and the runner records them.
func (dep *Deployment) RedisErr() error {
	if r := dep.Redis(); r != nil {
		return r.Err() // already says "redis-server (pid N) exited unexpectedly: …"
	}
	return nil
}

// redisUsage adds Redis's resource use to u.
func (dep *Deployment) redisUsage(u targets.Usage) targets.Usage {
	r := dep.Redis()
	if r == nil || r.Err() != nil {
		return u
	}
	if ru, err := r.Sample(); err == nil {
		u.CPUSeconds += ru.CPUSeconds
		u.RSSBytes += ru.RSSBytes
	}
	return u
}

// stopRedis stops the deployment's Redis (after the instances).
func (dep *Deployment) stopRedis(ctx context.Context) error {
	r := dep.Redis()
	if r == nil {
		return nil
	}
	err := r.Stop(ctx)
	dep.driver.opts.Tracker.ProcessStopped(r.PID())
	if err != nil {
		return fmt.Errorf("stop redis: %w", err)
	}
	return nil
}
