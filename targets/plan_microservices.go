package targets

import (
	"fmt"
	"time"

	"github.com/scalebench/scalebench/app/service"
)

// Topology names of the service-graph architectures.
const (
	TopologyMicroservices = "microservices"
	TopologyMonolith      = "monolith"
)

func init() {
	Catalog = append(Catalog,
		Topology{Name: TopologyMicroservices, Summary: "a gateway in front of services declared in the target, each its own set of instances with its own balancer, CPU work, CPU budget and replica count, calling each other over keep-alive HTTP or through a Redis queue (via: queue); W3C traceparent propagated; per-service latency, self time, CPU and saturation measured", Models: "a monolith split into services (auth, core API, payments, notifications) on Kubernetes/Compose, each scaled on its own", Balanced: true, DefaultInstances: 1},
		Topology{Name: TopologyMonolith, Summary: "the same services' work in one process per instance (calls are function calls, queue hops an in-process queue), replicas behind a balancer with the same total CPU as the split (the baseline of microservices)", Models: "the monolith before the split", Balanced: true, DefaultInstances: 1},
	)
}

// IsServiceGraph reports whether topology runs a Microservices graph.
func IsServiceGraph(topology string) bool {
	return topology == TopologyMicroservices || topology == TopologyMonolith
}

// Microservices is the call graph of a microservices or monolith target:
// Spec.Microservices.
type Microservices struct {
	// Entry is the service the gateway sends the load to.
	Entry string
	// Services in name order.
	Services []Service
}

// Service is one service of the graph.
type Service struct {
	// Name is unique within the target.
	Name string
	// Replicas is the number of instances (≥ 1).
	Replicas int
	// CPU is the CPU work of one request; DB the wait of one simulated
	// database call per request (0: none).
	CPU, DB time.Duration
	// CPUBudget is CPUs per instance (0: the target's budget).
	CPUBudget float64
	// Calls are the services called per request, in order.
	Calls []string
	// Queue is true when callers reach the service through the Redis
	// queue (`via: queue`) instead of HTTP.
	Queue bool
	// Command is the user's own service (PORT set), called over HTTP at
	// Path; nil: a reference-app service.
	Command []string
	// Dir is Command's working directory.
	Dir string
	// Path is where callers request it (default /api/NAME).
	Path string
}

// Graph is m as the reference app takes it (--service-graph).
func (m *Microservices) Graph() service.Graph {
	g := service.Graph{}
	for _, s := range m.Services {
		g[s.Name] = service.Node{CPUUs: s.CPU.Microseconds(), DBUs: s.DB.Microseconds(), Calls: s.Calls,
			Queue: s.Queue, External: len(s.Command) > 0, Path: s.Path}
	}
	return g
}

// Service returns the service called name.
func (m *Microservices) Service(name string) (Service, bool) {
	for _, s := range m.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// NeedsRedis reports whether a planned service uses the Redis queue (the
// split's queue hops; the monolith's are in-process).
func NeedsRedis(ps []PlannedService) bool {
	for _, p := range ps {
		if p.Redis {
			return true
		}
	}
	return false
}

// PlannedService is one set of instances a driver starts for a service
// graph target, in start order (callees first).
type PlannedService struct {
	// Name is the service ("monolith" for the monolith's instances).
	Name string
	// Replicas and CPUs (per instance; 0: none).
	Replicas int
	CPUs     float64
	// Args are the `scalebench serve` arguments, without --port, --id and
	// the callee addresses, which the driver adds (CallArgs).
	Args []string
	// Calls are the services it reaches over HTTP (--call NAME=URL).
	Calls []string
	// Redis is true when it needs --redis ADDR.
	Redis bool
	// Command and Dir: the user's own service instead of the app.
	Command []string
	Dir     string
	// Consumer is true for a service consumed from the queue.
	Consumer bool
}

// PlanServices decides the instances of a microservices or monolith
// target. It is pure, like Plan.
func PlanServices(spec Spec) ([]PlannedService, error) {
	m := spec.Microservices
	if m == nil || len(m.Services) == 0 {
		return nil, fmt.Errorf("target %q: topology %s needs services", spec.Name, spec.Topology)
	}
	g := m.Graph()
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	if _, ok := g[m.Entry]; !ok {
		return nil, fmt.Errorf("target %q: entry %q is not one of the services %v", spec.Name, m.Entry, g.Names())
	}
	base := []string{"serve", "--mode", "service", "--service-graph", g.JSON()}
	if spec.Topology == TopologyMonolith {
		return planMonolith(spec, g, base), nil
	}
	order, _ := g.Order() // Validate checked for cycles
	var out []PlannedService
	for _, name := range order {
		s, _ := m.Service(name)
		p := PlannedService{Name: name, Replicas: max(s.Replicas, 1), CPUs: spec.CPUBudget, Command: s.Command, Dir: s.Dir, Consumer: s.Queue}
		if s.CPUBudget > 0 {
			p.CPUs = s.CPUBudget
		}
		if len(s.Command) == 0 {
			p.Args = append(append(append([]string{}, base...), "--service", name), spec.AppArgs...)
		}
		for _, c := range s.Calls {
			if cs, _ := m.Service(c); cs.Queue {
				p.Redis = true
			} else {
				p.Calls = append(p.Calls, c)
			}
		}
		p.Redis = p.Redis || s.Queue
		out = append(out, p)
	}
	return out, nil
}

// planMonolith is one set of instances doing every service's work: as
// many as the split's instances (or spec.Instances), each with the
// target's budget, so both get the same CPU. The user's own services
// stay separate processes, called over HTTP.
func planMonolith(spec Spec, g service.Graph, base []string) []PlannedService {
	m := spec.Microservices
	n := spec.Instances
	if n <= 0 {
		for _, s := range m.Services {
			if len(s.Command) == 0 {
				n += max(s.Replicas, 1)
			}
		}
	}
	mono := PlannedService{Name: TopologyMonolith, Replicas: max(n, 1), CPUs: spec.CPUBudget,
		Args: append(append(append([]string{}, base...), "--entry", m.Entry), spec.AppArgs...)}
	var out []PlannedService
	for _, s := range m.Services {
		if len(s.Command) > 0 {
			out = append(out, PlannedService{Name: s.Name, Replicas: max(s.Replicas, 1), CPUs: spec.CPUBudget, Command: s.Command, Dir: s.Dir})
			mono.Calls = append(mono.Calls, s.Name)
		}
	}
	return append(out, mono)
}

// TotalInstances is the number of instances the plan starts.
func TotalInstances(ps []PlannedService) int {
	n := 0
	for _, p := range ps {
		n += p.Replicas
	}
	return n
}

// planServiceGraph is Plan's layout of a service graph: Redis when a hop
// is queued, each service as a component of its name, callees first,
// whose Flags reach its callees by reference (--call NAME=http://ADDR,
// --redis ADDR), and the gateway balancer in front of the entry. The
// cluster drivers reach a service by its name (the network spreading
// connections over its replicas); the docker driver puts a balancer of
// its own in front of a callee with several replicas.
func (l *Layout) planServiceGraph(spec Spec, env map[string]string) error {
	ps, err := PlanServices(spec)
	if err != nil {
		return err
	}
	if NeedsRedis(ps) {
		l.add(Component{Name: "redis", Role: RoleRedis, Image: ImageRedis, Args: RedisArgs("store"), Replicas: 1, Port: RedisPort, RedisKind: "store"})
	}
	for _, p := range ps {
		if len(p.Command) > 0 {
			return fmt.Errorf("target %q: service %s runs a command, which only the process driver runs: use --driver process, or package it as a reference-app service", spec.Name, p.Name)
		}
		c := l.appComponent(spec, env, p.Replicas, []string{"--id", p.Name}, ServiceFlags(p))
		c.Name, c.CPUs = p.Name, p.CPUs
		l.add(c)
	}
	l.Instances = TotalInstances(ps)
	l.addBalancer(spec, ServiceEntry(spec))
	return nil
}

// ServiceFlags are the flags of p's instances after `serve` and the
// driver's own (address, port, id): service mode with the graph, then
// each HTTP callee and the Redis queue by reference.
func ServiceFlags(p PlannedService) []Arg {
	flags := Literal(p.Args[1:]...)
	for _, callee := range p.Calls {
		flags = append(flags, Arg{Text: "--call"}, Arg{Text: callee + "=http://", Ref: callee})
	}
	if p.Redis {
		flags = append(flags, Arg{Text: "--redis"}, Arg{Ref: "redis"})
	}
	return flags
}

// ServiceEntry is the service the gateway sends the load to: the graph's
// entry, or the monolith's instances.
func ServiceEntry(spec Spec) string {
	if spec.Topology == TopologyMonolith {
		return TopologyMonolith
	}
	return spec.Microservices.Entry
}

// RunningService is one started service of a service-graph deployment.
type RunningService struct {
	// Name is the service ("monolith": the monolith's instances).
	Name string
	// Replicas and CPUBudget (per instance; 0: none).
	Replicas  int
	CPUBudget float64
	// Instances are the base URLs of its instances (host side), each
	// serving the reference app's service figures (app/service.StatsPath).
	Instances []string
	// External is true for the user's own service (no figures served).
	External bool
	// Consumer is true for a service consumed from the queue.
	Consumer bool
}

// ServiceDeployment is a deployment running a service graph; the runner
// reads each instance's figures (runner/services.go).
type ServiceDeployment interface {
	Services() []RunningService
}
