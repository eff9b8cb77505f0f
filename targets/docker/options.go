package docker

import (
	"io"
	"os"
	"time"
)

// Default image references and the environment variables that override
// them (a non-empty Options field wins over both).
const (
	// DefaultAppImage is the repository of the locally built reference-app
	// image; the tag is the binary's content hash.
	DefaultAppImage = "scalebench/app"
	// DefaultNginxImage is the nginx image for balanced topologies.
	DefaultNginxImage = "nginx:1.27"
	// DefaultRedisImage is the Redis image for Redis-backed topologies.
	DefaultRedisImage = "redis:7"

	// EnvAppImage overrides DefaultAppImage.
	EnvAppImage = "SCALEBENCH_APP_IMAGE"
	// EnvNginxImage overrides DefaultNginxImage.
	EnvNginxImage = "SCALEBENCH_NGINX_IMAGE"
	// EnvRedisImage overrides DefaultRedisImage.
	EnvRedisImage = "SCALEBENCH_REDIS_IMAGE"

	// DefaultExpire is the backstop after which a container is stopped even
	// if scalebench never removed it.
	DefaultExpire = 2 * time.Hour
)

// appPort is the port the reference app (and the Go balancer) listens on
// inside its container; nginxPort is nginx's; redisPort is Redis's.
const (
	appPort   = 8080
	nginxPort = 80
	redisPort = 6379
)

// Options configure a Driver. Zero fields take the defaults above.
type Options struct {
	// RunID labels every container and network of this run. Empty: a new
	// id is made up. Specs given to Up must carry the same id (or none).
	RunID string
	// Endpoint is the Docker engine address ("" : $DOCKER_HOST, else the
	// local socket).
	Endpoint string
	// Binary is a static scalebench binary to put in the app image. Empty:
	// this executable when it is static, else one built with
	// CGO_ENABLED=0 go build when running inside the module's source tree.
	Binary string
	// AppImage is the repository of the app image (default $SCALEBENCH_APP_IMAGE,
	// else scalebench/app). The tag is always the binary's content hash.
	AppImage string
	// NginxImage and RedisImage are image references (defaults from
	// $SCALEBENCH_NGINX_IMAGE / $SCALEBENCH_REDIS_IMAGE, else nginx:1.27
	// and redis:7).
	NginxImage string
	RedisImage string
	// PostgresImage is the PostgreSQL image of the database topologies
	// (default $SCALEBENCH_POSTGRES_IMAGE, else postgres:15; see database.go).
	PostgresImage string
	// Expire stops a container this long after its start whatever happens
	// to scalebench (default 2h). The stopped container is removed by the
	// next run's sweep or `scalebench clean`.
	Expire time.Duration
	// TargetCPUs are the CPUs every target container is pinned to (cpuset).
	// Nil: the targets' share by the rule of process.Placement (all CPUs but the
	// generator's). Empty non-nil: not pinned.
	TargetCPUs []int
	// Log receives progress lines (image builds, sweeps). Nil: discarded.
	Log io.Writer
	// Tracker, when set, hears about every container and network the
	// driver creates and removes, for the run's record (targets/reaper).
	Tracker Tracker
}

// Tracker is told what the driver creates. Its methods must return quickly.
type Tracker interface {
	// DockerCreated: a container or network ("container", "network")
	// with this id and name now exists.
	DockerCreated(kind, id, name string)
	// DockerRemoved: the container or network id was removed.
	DockerRemoved(id string)
}

// nopTracker is the Tracker of a driver given none.
type nopTracker struct{}

func (nopTracker) DockerCreated(string, string, string) {}
func (nopTracker) DockerRemoved(string)                 {}

// withDefaults fills empty fields from the environment and the defaults.
func (o Options) withDefaults() Options {
	o.AppImage = firstNonEmpty(o.AppImage, os.Getenv(EnvAppImage), DefaultAppImage)
	o.NginxImage = firstNonEmpty(o.NginxImage, os.Getenv(EnvNginxImage), DefaultNginxImage)
	o.RedisImage = firstNonEmpty(o.RedisImage, os.Getenv(EnvRedisImage), DefaultRedisImage)
	o.PostgresImage = firstNonEmpty(o.PostgresImage, os.Getenv(EnvPostgresImage), DefaultPostgresImage)
	if o.Expire <= 0 {
		o.Expire = DefaultExpire
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Tracker == nil {
		o.Tracker = nopTracker{}
	}
	return o
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
