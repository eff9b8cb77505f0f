package docker

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// plan is what Up starts for a target, in start order: targets.Plan's
// layout turned into containers.
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
	// ready are the indexes of the other containers checked for health
	// first (a service graph's other services and their balancers), and
	// services the graph's services (microservices.go).
	ready    []int
	services []plannedService
}

// planner turns a layout into container specs. It touches no engine: the
// images are resolved and the balancer chosen before (Driver.prepare), so
// the docker plan is testable without one.
type planner struct {
	spec   targets.Spec
	layout targets.Layout
	// base prefixes every container name (sb-<run>-<target>).
	base string
	// images maps the layout's image kinds (targets.ImageApp …) and user
	// images to references.
	images map[string]string
	// cpus is the target cpuset; quota says the engine enforces CPU quotas.
	cpus  []int
	quota bool
	// balancerNote is recorded when the balancer is planned (a fallback).
	balancerNote string

	p plan
	// of maps a component to the indexes of its containers, and via a
	// component to the address callers reach it at when that is not its
	// first container (a service's own balancer).
	of  map[string][]int
	via map[string]string
}

// planContainers is pl's layout as containers, in the layout's order.
func planContainers(pl planner) (plan, error) {
	spec, l := pl.spec, pl.layout
	pl.of, pl.via = map[string][]int{}, map[string]string{}
	pl.p = plan{redis: -1, health: l.Health}
	pl.p.info = results.Deployment{
		Driver:            "docker",
		Instances:         l.Instances,
		GOMAXPROCS:        spec.GOMAXPROCS,
		CPUBudget:         spec.CPUBudget,
		CPUBudgetEnforced: spec.CPUBudget > 0 && pl.quota,
		CPUs:              slices.Clone(pl.cpus),
		Images:            map[string]string{},
	}
	if spec.MemoryMB > 0 {
		pl.p.info.MemoryLimitBytes = uint64(spec.MemoryMB) << 20
	}
	for _, c := range l.Components {
		if err := pl.component(c); err != nil {
			return pl.p, err
		}
	}
	entry := pl.of[l.Entry]
	if len(entry) == 0 {
		return pl.p, fmt.Errorf("target %q: the layout has no entry", spec.Name)
	}
	pl.p.entry = entry[0]
	if f, _ := l.Fleet(); f.Name != l.Entry {
		pl.p.backends = pl.of[f.Name]
	}
	return pl.p, nil
}

// component adds the containers of c.
func (pl *planner) component(c targets.Component) error {
	switch c.Role {
	case targets.RoleRedis:
		rs := redisSpec(pl.spec.Name, pl.base+"-"+c.Name, pl.images[c.Image], c.RedisKind, pl.cpus)
		pl.p.redis = len(pl.p.containers)
		pl.p.info.Images["redis"] = rs.image
		pl.add(c, rs)
	case targets.RolePostgres:
		pl.postgres(c)
	case targets.RoleApp, targets.RoleCluster:
		if targets.IsServiceGraph(pl.spec.Topology) {
			return pl.service(c)
		}
		pl.apps(c)
	case targets.RoleWorker:
		pl.workers(c)
	case targets.RoleBalancer:
		return pl.balancer(c)
	default:
		return fmt.Errorf("component %s (%s) is not run by the docker driver", c.Name, c.Role)
	}
	return nil
}

func (pl *planner) add(c targets.Component, cs containerSpec) {
	pl.of[c.Name] = append(pl.of[c.Name], len(pl.p.containers))
	pl.p.containers = append(pl.p.containers, cs)
}

// addr is component name's address on the run's network: its (first)
// container's name and port, or a DSN for PostgreSQL.
func (pl *planner) addr(name string) string {
	if a, ok := pl.via[name]; ok {
		return a
	}
	c, _ := pl.layout.Component(name)
	host := pl.base + "-" + name
	if i := pl.of[name]; len(i) > 0 {
		host = pl.p.containers[i[0]].name
	}
	if c.Role == targets.RolePostgres {
		return targets.PostgresDSN(host, c.Port)
	}
	return host + ":" + strconv.Itoa(c.Port)
}

// postgres adds one PostgreSQL node, a replica copying its primary with
// pg_basebackup; it gets the node budget and the target cpuset.
func (pl *planner) postgres(c targets.Component) {
	primary := ""
	if c.Primary != "" {
		primary = pl.base + "-" + c.Primary
	}
	img := pl.images[c.Image]
	pl.p.info.Images["postgres"] = img
	pl.add(c, containerSpec{target: pl.spec.Name, role: roleDatabase, name: pl.base + "-" + c.Name, image: img,
		user: "postgres", cmd: pgCommand(*c.Node, primary, pl.spec.Database.Durable), port: c.Port, cpus: c.CPUs, cpuset: pl.cpus,
		env: []string{"TZ=UTC"}})
}

// apps adds one container per instance of app component c (one holding
// every worker of a cluster), named after the component: the reference
// app with c's flags, or the user's image. Several instances (any behind
// a balancer, any of a user's image) are numbered from 0.
func (pl *planner) apps(c targets.Component) {
	env := envList(pl.spec)
	img := pl.images[c.Image]
	pl.p.info.Images["app"] = img
	if c.Image != targets.ImageApp {
		env = append(env, "PORT="+strconv.Itoa(c.Port))
		for i := range c.Replicas {
			pl.add(c, pl.limited(containerSpec{target: pl.spec.Name, role: "app", name: pl.base + "-" + c.Name + "-" + strconv.Itoa(i), image: img, env: env, port: c.Port}, c))
		}
		return
	}
	flags := targets.RenderArgs(c.Flags, pl.addr)
	app := func(name, id string, extra ...string) containerSpec {
		cmd := append([]string{"serve", "--addr", "0.0.0.0", "--port", strconv.Itoa(c.Port), "--id", id}, extra...)
		role := "app"
		if c.Workers > 1 {
			role = "cluster"
		}
		cs := containerSpec{target: pl.spec.Name, role: role, name: name, image: img, cmd: append(cmd, flags...),
			env: append(slices.Clone(env), "PORT="+strconv.Itoa(c.Port)), port: c.Port}
		return pl.limited(cs, c)
	}
	switch {
	case c.Role == targets.RoleCluster:
		pl.add(c, app(pl.base+"-cluster", "cluster", "--workers", strconv.Itoa(c.Workers)))
		pl.p.info.Balancer = "kernel"
		pl.p.info.Notes = append(pl.p.info.Notes, fmt.Sprintf("one container running %d cluster workers; its CPU quota and memory limit are %d× the per-instance budget", c.Workers, c.Workers))
	case pl.layout.Balancer == "" && c.Replicas == 1:
		pl.add(c, app(pl.base+"-"+c.Name, c.Name))
	default:
		// Instances behind the balancer are "replica-N"; a component the
		// fleet calls is "NAME-N".
		id := "replica-"
		if f, _ := pl.layout.Fleet(); f.Name != c.Name {
			id = c.Name + "-"
		}
		for i := range c.Replicas {
			pl.add(c, app(pl.base+"-"+c.Name+"-"+strconv.Itoa(i), id+strconv.Itoa(i)))
		}
	}
}

// workers adds the queue workers (`scalebench worker` from the app image),
// each with an instance's CPU budget and memory limit.
func (pl *planner) workers(c targets.Component) {
	flags := targets.RenderArgs(c.Flags, pl.addr)
	for i := 1; i <= c.Replicas; i++ {
		id := "worker-" + strconv.Itoa(i)
		cmd := append([]string{"worker", "--id", id}, flags...)
		pl.add(c, pl.limited(containerSpec{target: pl.spec.Name, role: "worker", name: pl.base + "-" + id, image: pl.images[c.Image], cmd: cmd, env: envList(pl.spec)}, c))
	}
	pl.p.info.Notes = append(pl.p.info.Notes, fmt.Sprintf("%d queue worker containers, each with an instance's CPU budget and memory limit", c.Replicas))
}

// balancer adds the balancer container in front of the containers of
// c.Upstream: nginx, or the built-in Go balancer reading an upstream file.
func (pl *planner) balancer(c targets.Component) error {
	upstreams := pl.upstreams(c.Upstream)
	if pl.balancerNote != "" {
		pl.p.info.Notes = append(pl.p.info.Notes, pl.balancerNote)
	}
	pl.p.info.Balancer, pl.p.info.BalancerPolicy = pl.layout.Balancer, pl.layout.Policy
	cs, err := pl.balancerSpec("", upstreams)
	if err != nil {
		return err
	}
	pl.add(c, cs)
	return nil
}

// upstreams are the addresses of component name's containers.
func (pl *planner) upstreams(name string) []string {
	c, _ := pl.layout.Component(name)
	var out []string
	for _, i := range pl.of[name] {
		out = append(out, pl.p.containers[i].name+":"+strconv.Itoa(c.Port))
	}
	return out
}

// balancerSpec is a balancer container of the layout's kind in front of
// upstreams, named base-PREFIXnginx or base-PREFIXbalancer: nginx, or the
// built-in Go balancer reading an upstream file.
func (pl *planner) balancerSpec(prefix string, upstreams []string) (containerSpec, error) {
	policy := pl.layout.Policy
	var cs containerSpec
	switch pl.layout.Balancer {
	case "nginx":
		conf, err := nginxConf(upstreams, policy, nginxPort, pl.spec.Retries)
		if err != nil {
			return cs, err
		}
		cs = containerSpec{target: pl.spec.Name, role: "nginx", name: pl.base + "-" + prefix + "nginx", image: pl.images[targets.ImageNginx],
			cmd: nginxCmd, files: map[string][]byte{nginxConfPath: conf}, port: nginxPort}
		pl.p.info.Images["nginx"] = cs.image
	default: // go
		cmd := []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--upstream-file", upstreamFile, "--policy", policy}
		if pl.spec.Retries == "off" {
			cmd = append(cmd, "--no-retry")
		}
		cs = containerSpec{target: pl.spec.Name, role: "balancer", name: pl.base + "-" + prefix + "balancer", image: pl.images[targets.ImageApp], cmd: cmd,
			files: map[string][]byte{upstreamFile: []byte(joinComma(upstreams) + "\n")}, port: appPort}
		pl.p.info.Images["balancer"] = cs.image
	}
	cs.cpuset = pl.cpus
	return cs, nil
}

// limited applies c's per-replica CPU budget and memory limit (a
// cluster's are its workers' together) and the target cpuset.
func (pl *planner) limited(cs containerSpec, c targets.Component) containerSpec {
	cs.cpus = c.CPUs
	cs.memory = int64(c.MemoryMB) << 20
	cs.cpuset = pl.cpus
	return cs
}

// redisSpec is a Redis container: no persistence, protected mode off
// (only the run's private network and 127.0.0.1 reach it), its port
// published on 127.0.0.1 so the runner's queue collector can connect from
// the host. kind "cache" evicts with allkeys-lru under maxmemory; any other
// kind never evicts.
func redisSpec(target, name, image, kind string, cpus []int) containerSpec {
	return containerSpec{target: target, role: "redis", name: name, image: image, cmd: targets.RedisArgs(kind), port: redisPort, cpuset: cpus}
}
