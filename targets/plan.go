package targets

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Ports the reference components listen on inside a container or a pod.
// The cluster drivers (swarm, kubernetes) address components by name on a
// private network, so every component can use the same well-known port.
const (
	AppPort      = 8080
	RedisPort    = 6379
	PostgresPort = 5432
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
	ImageApp      = "app"      // the locally built reference-app image
	ImageNginx    = "nginx"    // nginx (official or offline image)
	ImageRedis    = "redis"    // Redis (official or offline image)
	ImagePostgres = "postgres" // PostgreSQL (official or offline image)
)

// Component roles.
const (
	RoleApp      = "app"      // reference-app (or user) instances
	RoleCluster  = "cluster"  // one primary forking workers
	RoleBalancer = "balancer" // nginx or the built-in Go balancer
	RoleRedis    = "redis"
	RoleWorker   = "worker"   // queue workers
	RolePostgres = "postgres" // one PostgreSQL node
)

// Layout is what one target consists of, as plain data: the components a
// driver starts, in start order, and which of them takes the load. It is
// the single description of a topology: every driver (process, docker,
// swarm, kubernetes) and export (compose, kubernetes) carries it out, and
// nothing in it depends on how a component is run.
type Layout struct {
	// Target and Topology name what was planned.
	Target, Topology string
	// Components in start order: Redis and PostgreSQL before the apps that
	// use them, the apps before their workers and balancer.
	Components []Component
	// Entry is the name of the component the load is sent to ("" for
	// topology url, which starts nothing).
	Entry string
	// URL is the running service of topology url.
	URL string
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
	// Name is unique within the target ("app", "balancer", "redis",
	// "worker", "pg-primary").
	Name string
	// Role is one of the Role constants.
	Role string
	// Image is ImageApp, ImageNginx, ImageRedis, ImagePostgres, the user's
	// image reference, or "" for the user's Command (topology command).
	Image string
	// Args are the container's arguments on a private network where every
	// component is reached by its name: for ImageApp the scalebench
	// subcommand and its flags, for ImageRedis redis-server's; empty for
	// nginx (its configuration is rendered by the driver from Upstream)
	// and PostgreSQL (the driver knows how to start a node).
	Args []string
	// Flags are the component's own flags, after those a driver adds to
	// the subcommand itself (listen address, port, instance id,
	// --workers): the topology's flags, the addresses of the components it
	// uses, then the spec's. A driver that reaches components at other
	// addresses renders them with its own (RenderArgs); Args holds them
	// rendered with NetworkAddr.
	Flags []Arg
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
	// RedisKind is "cache" or "store" (RoleRedis only; see Topology.Redis).
	RedisKind string
	// Node is the PostgreSQL node a RolePostgres component runs, and
	// Primary the component a replica copies ("" for a primary).
	Node    *DatabaseNode
	Primary string
	// Command and Dir are the user's server of topology command, started
	// with PORT set (Image "": only a local driver can run it).
	Command []string
	Dir     string
}

// Arg is one argument of a component: Text, followed when Ref is set by
// the address of the component named Ref as the driver reaches it
// ("auth=http://" and Ref "auth" give auth=http://HOST:PORT).
type Arg struct {
	Text string
	Ref  string
}

// Literal turns plain arguments into Args.
func Literal(args ...string) []Arg {
	out := make([]Arg, len(args))
	for i, a := range args {
		out[i] = Arg{Text: a}
	}
	return out
}

// RenderArgs writes args out, each reference as addr gives it.
func RenderArgs(args []Arg, addr func(component string) string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Text
		if a.Ref != "" {
			out[i] += addr(a.Ref)
		}
	}
	return out
}

// PostgresDSN is how an app reaches a PostgreSQL node at host:port.
func PostgresDSN(host string, port int) string {
	return fmt.Sprintf("postgres://postgres@%s:%d/postgres?sslmode=disable", host, port)
}

// NetworkAddr is component name's address on a private network that
// resolves every component by its name: NAME:PORT, or a DSN for
// PostgreSQL.
func (l Layout) NetworkAddr(name string) string {
	c, _ := l.Component(name)
	if c.Role == RolePostgres {
		return PostgresDSN(c.Name, c.Port)
	}
	return c.Name + ":" + strconv.Itoa(c.Port)
}

// Plan decides the components of spec's topology. It is pure: the same
// spec always gives the same layout, so drivers and exports agree and the
// plan is testable without an engine. spec.Balancer "auto" (or "") is
// read as nginx; a driver that falls back to the Go balancer when nginx
// is missing plans again with Balancer "go".
func Plan(spec Spec) (Layout, error) {
	n := defaultInstances(spec)
	l := Layout{Target: spec.Name, Topology: spec.Topology, Instances: n, Health: spec.Health, Policy: spec.Policy}
	if l.Health == "" {
		l.Health = "/healthz"
		if spec.Topology == "image" || spec.Topology == "command" {
			l.Health = "/"
		}
	}
	if !strings.HasPrefix(l.Health, "/") {
		l.Health = "/" + l.Health
	}
	if l.Policy == "" {
		l.Policy = "round_robin"
	}
	env := appEnv(spec)
	var err error
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
		err = l.planImage(spec, env, n)
	case "command":
		err = l.planCommand(spec, n)
	case "url":
		err = l.planURL(spec)
	case TopologyMicroservices, TopologyMonolith:
		err = l.planServiceGraph(spec, env)
	default:
		err = l.planFeature(spec, env, n)
	}
	if err != nil {
		return l, err
	}
	if l.Entry == "" && len(l.Components) > 0 {
		l.Entry = l.Components[len(l.Components)-1].Name
	}
	return l, nil
}

// PlanImages is Plan for the drivers that run only images on a cluster
// (swarm, kubernetes): it refuses what they cannot schedule.
func PlanImages(spec Spec) (Layout, error) {
	switch {
	case spec.Topology == "command" || spec.Topology == "url":
		return Layout{}, fmt.Errorf("target %q: topology %s runs nothing a cluster can schedule: use --driver process, or package the server as an image (image:, port:)", spec.Name, spec.Topology)
	case spec.Database != nil:
		return Layout{}, fmt.Errorf("target %q: the PostgreSQL tier (topology %s) is run by the process and docker drivers only: use --driver process or --driver docker", spec.Name, spec.Topology)
	}
	return Plan(spec)
}

// planImage plans the user's image: n containers on spec.Port, behind a
// balancer when there is more than one.
func (l *Layout) planImage(spec Spec, env map[string]string, n int) error {
	if spec.Image == "" || spec.Port <= 0 {
		return fmt.Errorf("target %q: topology image needs image: and port: (got image %q, port %d)", spec.Name, spec.Image, spec.Port)
	}
	env["PORT"] = strconv.Itoa(spec.Port)
	l.add(Component{Name: "app", Role: RoleApp, Image: spec.Image, Env: env, Replicas: n, Port: spec.Port, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB})
	if n > 1 {
		l.addBalancer(spec, "app")
	}
	return nil
}

// planCommand plans the user's server: spec.Command started n times with
// PORT set, behind a balancer when there is more than one.
func (l *Layout) planCommand(spec Spec, n int) error {
	if len(spec.Command) == 0 {
		return fmt.Errorf("target %q: topology command: no command given", spec.Name)
	}
	l.add(Component{Name: "app", Role: RoleApp, Command: slices.Clone(spec.Command), Dir: spec.Dir, Env: maps.Clone(spec.Env),
		Replicas: n, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB})
	if n > 1 {
		l.addBalancer(spec, "app")
	}
	return nil
}

// planURL plans nothing to start: the load goes to a running service.
func (l *Layout) planURL(spec Spec) error {
	u, err := url.Parse(spec.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("target %q: topology url: %q is not an http(s) URL", spec.Name, spec.URL)
	}
	l.URL = strings.TrimSuffix(spec.URL, "/")
	return nil
}

// planFeature plans a catalog topology with app flags: Redis first when
// it needs one, the PostgreSQL nodes of spec.Database, then the instances
// with the topology's flags, --redis and the --pg-* flags, the queue
// workers, and the balancer when there is more than one instance. A
// topology with its own Topology.Plan plans itself instead.
func (l *Layout) planFeature(spec Spec, env map[string]string, n int) error {
	topo, ok := Lookup(spec.Topology)
	if ok && topo.Plan != nil {
		return topo.Plan(l, spec, n)
	}
	if !ok || len(topo.AppArgs) == 0 {
		return fmt.Errorf("target %q: unknown topology %q", spec.Name, spec.Topology)
	}
	flags := Literal(topo.AppArgs...)
	if topo.Redis != "" {
		l.add(Component{Name: "redis", Role: RoleRedis, Image: ImageRedis, Args: RedisArgs(topo.Redis), Replicas: 1, Port: RedisPort, RedisKind: topo.Redis})
		flags = append(flags, Arg{Text: "--redis"}, Arg{Ref: "redis"})
	}
	if spec.Database != nil {
		flags = append(flags, l.addDatabase(spec.Database)...)
	}
	app := l.appComponent(spec, env, n, nil, append(flags, Literal(spec.AppArgs...)...))
	l.add(app)
	l.Entry = app.Name
	if topo.QueueWorkers {
		w := spec.QueueWorkers
		if w <= 0 {
			w = DefaultQueueWorkers
		}
		wf := append([]Arg{{Text: "--redis"}, {Ref: "redis"}}, Literal(spec.WorkerArgs...)...)
		l.add(Component{Name: "worker", Role: RoleWorker, Image: ImageApp, Args: append([]string{"worker"}, RenderArgs(wf, l.NetworkAddr)...),
			Flags: wf, Env: maps.Clone(env), Replicas: w, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB})
		l.Notes = append(l.Notes, fmt.Sprintf("%d queue workers, each with an instance's CPU budget and memory limit", w))
	}
	if n > 1 {
		l.addBalancer(spec, app.Name)
	}
	return nil
}

// addDatabase adds the PostgreSQL nodes of db — primaries (one per shard),
// then the replicas of the first — and returns the app flags naming them.
func (l *Layout) addDatabase(db *DatabaseSpec) []Arg {
	flags := Literal(db.AppArgs()...)
	primary := ""
	for _, n := range db.Nodes() {
		c := Component{Name: "pg-" + n.Name, Role: RolePostgres, Image: ImagePostgres, Replicas: 1, Port: PostgresPort, CPUs: db.CPUBudget, Node: &n}
		flag := "--pg-primary"
		if n.Role == "replica" {
			flag, c.Primary = "--pg-replica", primary
		}
		if primary == "" {
			primary = c.Name
		}
		l.add(c)
		flags = append(flags, Arg{Text: flag}, Arg{Ref: c.Name})
	}
	return flags
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

// RedisEviction describes a Redis of kind "cache" or "store" for notes.
func RedisEviction(kind string) string {
	if kind == "cache" {
		return fmt.Sprintf("maxmemory %d MB, allkeys-lru", CacheMaxMemoryMB)
	}
	return "noeviction"
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
	var l Layout
	return l.appComponent(spec, env, n, extra, Literal(spec.AppArgs...))
}

// appComponent is n reference-app instances with flags, whose references
// name components already in l; extra are flags of the subcommand itself
// (--workers) that go before them.
func (l *Layout) appComponent(spec Spec, env map[string]string, n int, extra []string, flags []Arg) Component {
	args := []string{"serve", "--addr", "0.0.0.0", "--port", strconv.Itoa(AppPort)}
	args = append(args, extra...)
	env = maps.Clone(env)
	env["PORT"] = strconv.Itoa(AppPort)
	c := Component{Name: "app", Role: RoleApp, Image: ImageApp, Flags: flags, Env: env, Replicas: n, Port: AppPort, CPUs: spec.CPUBudget, MemoryMB: spec.MemoryMB}
	c.Args = append(args, RenderArgs(flags, l.NetworkAddr)...)
	return c
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

// Fleet is the component whose instances take the load: the entry, or
// the component the entry balances over.
func (l Layout) Fleet() (Component, bool) {
	c, ok := l.Component(l.Entry)
	if ok && c.Role == RoleBalancer {
		return l.Component(c.Upstream)
	}
	return c, ok
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
