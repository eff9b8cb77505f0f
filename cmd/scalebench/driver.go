package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/targets/docker"
	"github.com/scalebench/scalebench/targets/kubernetes"
	"github.com/scalebench/scalebench/targets/process"
	"github.com/scalebench/scalebench/targets/reaper"
	"github.com/scalebench/scalebench/targets/swarm"
)

// driver is what a run needs from a target driver beyond runner.Driver.
type driver interface {
	runner.Driver
	Close(ctx context.Context) error
	Warnings() []string
	Environment(env *results.Environment)
}

// dockerOptions are the image names a user can set for the docker driver.
type dockerOptions struct {
	appImage, redisImage, nginxImage, postgresImage string
}

func dockerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "app-image", EnvVars: []string{"SCALEBENCH_APP_IMAGE"}, Usage: "docker driver: repository for the locally built reference-app image"},
		&cli.StringFlag{Name: "redis-image", EnvVars: []string{"SCALEBENCH_REDIS_IMAGE"}, Usage: "docker driver: Redis image (default redis:7)"},
		&cli.StringFlag{Name: "nginx-image", EnvVars: []string{"SCALEBENCH_NGINX_IMAGE"}, Usage: "docker driver: nginx image (default nginx:1.27)"},
		&cli.StringFlag{Name: "postgres-image", EnvVars: []string{"SCALEBENCH_POSTGRES_IMAGE"}, Usage: "docker driver: PostgreSQL image of the database topologies (default postgres:15)"},
	}
}

func dockerOptionsFrom(c *cli.Context) dockerOptions {
	return dockerOptions{appImage: c.String("app-image"), redisImage: c.String("redis-image"), nginxImage: c.String("nginx-image"), postgresImage: c.String("postgres-image")}
}

// newDriver creates the driver called name for one run.
func newDriver(ctx context.Context, name, runID, dir string, guard *reaper.Guard, a runArgs) (driver, error) {
	switch name {
	case "", "process":
		return process.New(process.Options{RunID: runID, LogDir: filepath.Join(dir, "logs"), Tracker: guard}), nil
	case "docker":
		guard.DockerUsed()
		_, targetCPUs := process.Placement()
		d, err := docker.New(ctx, docker.Options{
			RunID:         runID,
			TargetCPUs:    targetCPUs,
			AppImage:      a.docker.appImage,
			RedisImage:    a.docker.redisImage,
			NginxImage:    a.docker.nginxImage,
			Tracker:       guard,
			PostgresImage: a.docker.postgresImage,
		})
		if err != nil {
			return nil, fmt.Errorf("docker driver: %w", err)
		}
		return d, nil
	case "swarm":
		d, err := swarm.New(ctx, swarm.Options{
			RunID:      runID,
			AppImage:   a.docker.appImage,
			RedisImage: a.docker.redisImage,
			NginxImage: a.docker.nginxImage,
		})
		if err != nil {
			return nil, fmt.Errorf("swarm driver: %w", err)
		}
		return d, nil
	case "kubernetes":
		d, err := kubernetes.New(ctx, kubernetes.Options{
			RunID:      runID,
			Kubeconfig: a.kube.config,
			Context:    a.kube.context,
			Namespace:  a.kube.namespace,
			Images:     kubeImages(a.docker),
		})
		if err != nil {
			return nil, fmt.Errorf("kubernetes driver: %w", err)
		}
		return d, nil
	}
	return nil, usageError{fmt.Errorf("driver %q: want process, docker, swarm or kubernetes", name)}
}

// pinGenerator keeps the load generator off the targets' CPUs: it pins this
// process to the generator's share of the CPUs (the first one, on a machine
// with at least two) and returns how many CPUs the generator has.
func pinGenerator(drv driver, env *results.Environment) int {
	gen, _ := process.Placement()
	if len(gen) == 0 {
		return 0
	}
	if err := process.PinSelf(gen); err != nil {
		env.GeneratorCPUs = nil
		return 0
	}
	env.GeneratorCPUs = gen
	return len(gen)
}
