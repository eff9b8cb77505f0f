package targets

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Ports the reference components listen on inside a container or a pod.
// The cluster drivers (swarm, kubernetes) address components by name on a
// private network, so every component can use the same well-known port.
const (
	AppPort   = 8080
	RedisPort = 6379
)

// Default counts used when a spec leaves them at zero.
const (
	// DefaultQueueWorkers is the number of `scalebench worker` processes of
	// a queue topology whose spec gives none.
	DefaultQueueWorkers = 2
	// CacheMaxMemoryMB caps the Redis of a "cache" kind; with allkeys-lru it
	// evicts like a production cache instead of growing without bound.
	CacheMaxMemoryMB = 128
)

// Image kinds a Component can name instead of an image reference; the
// driver resolves each to the image it was configured with.
const (
	ImageApp   = "app"   // the locally built reference-app image
	ImageNginx = "nginx" // nginx (official or offline image)
	ImageRedis = "redis" // Redis (official or offline image)
)

// Component roles.
const (
	RoleApp      = "app"      // reference-app (or user) instances
	RoleCluster  = "cluster"  // one primary forking workers
	RoleBalancer = "balancer" // nginx or the built-in Go balancer
	RoleRedis    = "redis"
	RoleWorker   = "worker" // queue workers
)

// Layout is what one target consists of, as plain data: the components a
// driver starts, in start order, and which of them takes the load. It is
// the single description of a topology that the cluster drivers (swarm,
// kubernetes) and their exports carry out; nothing in it depends on how a
// component is run.
type Layout struct {
	// Target and Topology name what was planned.
	Target, Topology string
	// Components in start order: Redis before the apps that use it, the
	// apps before their balancer.
	Components []Component
	// Entry is the name of the component the load is sent to.
	Entry string
	// Health is the readiness path of the entry (and of the apps).
	Health string
	// Instances is the number of application instances (replicas or workers).
	Instances int
	// Balancer is "nginx", "go", "kernel" (cluster) or "" (none).
	Balancer string
	// Policy is the balancer's policy ("round_robin" or "least_conn").
	Policy string
	// Notes are facts about the plan worth recording.
	Notes []string
}

// Component is one kind of process of a target, run Replicas times.
type Component struct {
	// Name is unique within the target ("app", "balancer", "redis", "worker").
	Name string
	// Role is one of the Role constants.
	Role string
	// Image is ImageApp, ImageNginx, ImageRedis or the user's image reference.
	Image string
	// Args are the container's arguments: for ImageApp the scalebench
	// subcommand and its flags, for ImageRedis redis-server's; empty for
	// nginx (its configuration is rendered by the driver from Upstream).
	Args []string
	// Env is the component's environment.
	Env map[string]string
	// Replicas is how many identical copies run.
	Replicas int
	// Port is the port the component listens on.
	Port int
	// CPUs and MemoryMB are the limits of one replica (0: none). A cluster
	// holds Workers instances, so its limits are that many budgets.
	CPUs     float64
	MemoryMB int
	// Upstream names the component a balancer sends requests to.
	Upstream string
	// Workers is the number of cluster workers (RoleCluster only).
	Workers int
}

// Plan decides the components of spec's topology. It is pure: the same
// spec always gives the same layout, so drivers and exports agree and the
// plan is testable without an engine. spec.Balancer must already be
// resolved to "nginx" or "go" ("auto" is read as nginx).
func Plan(spec Spec) (Layout, error) {
	n := defaultInstances(spec)
	l := Layout{Target: spec.Name, Topology: spec.Topology, Instances: n, Health: spec.Health, Policy: spec.Policy}
	if l.Health == "" {
		l.Health = "/healthz"
	}
	if l.Policy == "" {
		l.Policy = "round_robin"
	}
	env := appEnv(spec)
	switch spec.Topology {
	case "single":
		l.add(appComponent(spec, env, 1, nil))
		l.Instances = 1
	case "cluster":
		c := appComponent(spec, env, 1, []string{"--workers", strconv.Itoa(n)})
		c.Name, c.Role, c.Workers = "cluster", RoleCluster, n
		c.CPUs, c.MemoryMB = spec.CPUBudget*float64(n), spec.MemoryMB*n
		l.add(c)
		l.Balancer = "kernel"
	case "replicas":
		l.add(appComponent(spec, env, n, nil))
		l.addBalancer(spec, "app")
	case "image":
		if spec.Image == "" || spec.Port <= 0 {
			return l, fmt.Errorf("target %q: topology image needs image: and port: (got image %q, port %d)", spec.Name, spec.Image, spec.Port)
		}
		env["PORT"] = strconv.Itoa(spec.Port)
		l.add(Component{Name: "app", Role: RoleApp, Image: spec.Image, Env: env, Replicas: n, Port: spec.Port, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB})
		if l.Health == "/healthz" && spec.Health == "" {
			l.Health = "/"
		}
		if n > 1 {
			l.addBalancer(spec, "app")
		}
	case TopologyMicroservices, TopologyMonolith:
		if err := l.planServiceGraph(spec, env); err != nil {
			return l, err
		}
	case "command", "url":
		return l, fmt.Errorf("target %q: topology %s runs nothing a cluster can schedule: use --driver process, or package the server as an image (image:, port:)", spec.Name, spec.Topology)
	default:
		if err := l.planFeature(spec, env, n); err != nil {
			return l, err
		}
	}
	if l.Entry == "" {
		l.Entry = l.Components[len(l.Components)-1].Name
	}
	return l, nil
}

// planFeature plans a catalog topology with app flags: Redis first when
// it needs one, then the instances with --redis, the queue workers, and
// the balancer when there is more than one instance.
func (l *Layout) planFeature(spec Spec, env map[string]string, n int) error {
	topo, ok := Lookup(spec.Topology)
	if !ok || len(topo.AppArgs) == 0 {
		return fmt.Errorf("target %q: unknown topology %q", spec.Name, spec.Topology)
	}
	args := slices.Clone(topo.AppArgs)
	if topo.Redis != "" {
		l.add(Component{Name: "redis", Role: RoleRedis, Image: ImageRedis, Args: RedisArgs(topo.Redis), Replicas: 1, Port: RedisPort})
		args = append(args, "--redis", "redis:"+strconv.Itoa(RedisPort))
	}
	spec.AppArgs = append(args, spec.AppArgs...)
	app := appComponent(spec, env, n, nil)
	l.add(app)
	l.Entry = app.Name
	if topo.QueueWorkers {
		w := spec.QueueWorkers
		if w <= 0 {
			w = DefaultQueueWorkers
		}
		cmd := append([]string{"worker", "--redis", "redis:" + strconv.Itoa(RedisPort)}, spec.WorkerArgs...)
		l.add(Component{Name: "worker", Role: RoleWorker, Image: ImageApp, Args: cmd, Env: maps.Clone(env), Replicas: w, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB})
		l.Notes = append(l.Notes, fmt.Sprintf("%d queue workers, each with an instance's CPU budget and memory limit", w))
	}
	if n > 1 {
		l.addBalancer(spec, app.Name)
	}
	return nil
}

// RedisArgs are redis-server's arguments for a Redis of kind "cache"
// (maxmemory with allkeys-lru) or "store" (no eviction): no persistence,
// protected mode off (only the target's private network reaches it).
func RedisArgs(kind string) []string {
	args := []string{"redis-server", "--port", strconv.Itoa(RedisPort), "--protected-mode", "no", "--save", "", "--appendonly", "no"}
	if kind == "cache" {
		args = append(args, "--maxmemory", strconv.Itoa(CacheMaxMemoryMB)+"mb", "--maxmemory-policy", "allkeys-lru")
	}
	return args
}

func (l *Layout) add(c Component) { l.Components = append(l.Components, c) }

// addBalancer puts a balancer in front of component backend.
func (l *Layout) addBalancer(spec Spec, name string) {
	backend, _ := l.Component(name)
	b := Component{Name: "balancer", Role: RoleBalancer, Replicas: 1, Port: AppPort, Upstream: backend.Name}
	switch spec.Balancer {
	case "go":
		l.Balancer = "go"
		b.Image = ImageApp
		b.Args = []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(AppPort),
			"--upstream", backend.Name + ":" + strconv.Itoa(backend.Port), "--policy", l.Policy}
	default:
		l.Balancer = "nginx"
		b.Image = ImageNginx
	}
	l.add(b)
	l.Entry = b.Name
}

// appComponent is n reference-app instances with the spec's flags.
func appComponent(spec Spec, env map[string]string, n int, extra []string) Component {
	args := []string{"serve", "--addr", "0.0.0.0", "--port", strconv.Itoa(AppPort)}
	args = append(args, extra...)
	args = append(args, spec.AppArgs...)
	env = maps.Clone(env)
	env["PORT"] = strconv.Itoa(AppPort)
	return Component{Name: "app", Role: RoleApp, Image: ImageApp, Args: args, Env: env, Replicas: n, Port: AppPort, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB}
}

// appEnv is the environment every instance gets.
func appEnv(spec Spec) map[string]string {
	env := maps.Clone(spec.Env)
	if env == nil {
		env = map[string]string{}
	}
	if spec.GOMAXPROCS > 0 {
		env["GOMAXPROCS"] = strconv.Itoa(spec.GOMAXPROCS)
	}
	return env
}

// defaultInstances is spec.Instances, or the topology's default.
func defaultInstances(spec Spec) int {
	if spec.Instances > 0 {
		return spec.Instances
	}
	if t, ok := Lookup(spec.Topology); ok && t.DefaultInstances > 0 {
		return t.DefaultInstances
	}
	return 1
}

// Component returns the component called name.
func (l Layout) Component(name string) (Component, bool) {
	for _, c := range l.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}
