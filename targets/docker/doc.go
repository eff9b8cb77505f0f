// Package docker is the container driver: it brings targets up as Docker
// containers through github.com/ory/dockertest/v3, the way teams deploy
// them in production, with a CPU quota and a memory limit per container so
// results repeat from one machine to the next.
//
// In the flow it sits behind the runner (which calls New, then Up and Down
// per target, then Close) and in front of the Docker engine:
//
//	runner ──Up(spec)──▶ Driver ──▶ network sb-<run> ──▶ app / nginx / redis containers
//	                                 ports published on 127.0.0.1 only
//
// Topologies: single (one app container), cluster (one container running
// `scalebench serve --workers N`), replicas (N app containers behind an
// nginx container with upstream keepalive, or behind the built-in Go
// balancer running in a container of the app image), image (the user's
// image, behind nginx when there are several), url (no container). The
// command topology is not supported: package the server as an image.
//
// The reference-app image is built locally from a static scalebench binary
// (FROM scratch, tagged with the binary's content hash, built only when
// absent). nginx and Redis come from configurable images; a local image is
// used before any pull, and fixtures/images/build.sh builds offline ones.
//
// Cleanup cannot be skipped: every container and network carries the
// labels scalebench=1 and scalebench.run=<run id> (plus the host name, pid
// and pid start time of the scalebench process that owns it). Down removes a
// target's containers, Close removes everything with the run's label, a
// backstop stops each container after Options.Expire, and New (and
// `scalebench clean`) removes what runs that are no longer alive left
// behind (see Clean). Compose exports a topology as docker-compose.yml.
package docker
