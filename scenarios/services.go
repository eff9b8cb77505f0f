package scenarios

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/targets"
)

// Service is one service of a microservices or monolith target: an entry
// of the target's `services` mapping, keyed by its name.
type Service struct {
	// Name is the mapping key.
	Name string `yaml:"-" json:"name"`
	// Replicas is the number of instances (default 1).
	Replicas int `yaml:"replicas" json:"replicas"`
	// CPU is the CPU work of one request ("2ms").
	CPU Duration `yaml:"cpu" json:"cpu"`
	// DB adds one simulated database call per request (an I/O wait of
	// DBLatency, default 2ms).
	DB        bool     `yaml:"db" json:"db,omitempty"`
	DBLatency Duration `yaml:"db_latency" json:"db_latency,omitempty"`
	// CPUBudget is CPUs per instance (default: the target's cpu_budget).
	CPUBudget *float64 `yaml:"cpu_budget" json:"cpu_budget,omitempty"`
	// Calls are the services called per request, in order.
	Calls []string `yaml:"calls" json:"calls,omitempty"`
	// Via is how callers reach it: "http" (default) or "queue" (the Redis
	// queue: callers enqueue and do not wait).
	Via string `yaml:"via" json:"via,omitempty"`
	// Command is the user's own service (PORT set), called over HTTP at
	// Path; Dir its working directory.
	Command []string `yaml:"command" json:"command,omitempty"`
	Dir     string   `yaml:"dir" json:"dir,omitempty"`
	Path    string   `yaml:"path" json:"path,omitempty"`
	// Line is where the service is declared, for messages.
	Line int `yaml:"-" json:"-"`
}

// defaultDBLatency is the wait of `db: true` when db_latency is not set.
const defaultDBLatency = Duration(2_000_000)

// Bounds of a service graph.
const (
	maxServices   = 16
	maxServiceCPU = Duration(1_000_000_000) // 1s of CPU per request
)

var vias = []string{"http", "queue"}

// serviceFields are the target fields of the service-graph topologies.
func (d *decoder) serviceFields(t *Target) fields {
	return fields{
		"services": func(v *yaml.Node, p string) { t.Services = d.services(v, p) },
		"entry": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Entry) && t.Entry == "" {
				d.add(v.Line, p, "must name the service the load goes to")
			}
		},
	}
}

// services decodes a target's services mapping, in file order.
func (d *decoder) services(n *yaml.Node, path string) []Service {
	r := resolve(n)
	if r == nil || r.Kind != yaml.MappingNode {
		d.add(line(n), path, "must be a mapping of service names to {replicas, cpu, calls, via, db, cpu_budget, command}, got %s", describe(n))
		return nil
	}
	var out []Service
	seen := map[string]int{}
	for _, e := range entries(r, 0) {
		name := e.key.Value
		p := field(path, name)
		if first, dup := seen[name]; dup {
			d.add(e.key.Line, p, "set twice (first on line %d)", first)
			continue
		}
		seen[name] = e.key.Line
		if !namePattern.MatchString(name) {
			d.add(e.key.Line, p, "service names must be 1–64 letters, digits, '.', '_' or '-', got %q", name)
		}
		out = append(out, d.service(e.value, p, name))
	}
	if len(out) > maxServices {
		d.add(line(n), path, "lists %d services; at most %d", len(out), maxServices)
	}
	return out
}

// service decodes one service.
func (d *decoder) service(n *yaml.Node, path, name string) Service {
	s := Service{Name: name, Line: line(n)}
	if r := resolve(n); r != nil && r.Kind == yaml.MappingNode && len(r.Content) == 0 {
		return s // {}: the defaults
	}
	d.mapping(n, path, fields{
		"replicas": d.instances(&s.Replicas),
		"cpu": func(v *yaml.Node, p string) {
			if d.duration(v, p, &s.CPU) && s.CPU > maxServiceCPU {
				d.add(v.Line, p, "must be at most %v of CPU per request, got %v", maxServiceCPU, s.CPU)
			}
		},
		"db": func(v *yaml.Node, p string) { d.boolean(v, p, &s.DB) },
		"db_latency": func(v *yaml.Node, p string) {
			if d.duration(v, p, &s.DBLatency) && s.DBLatency > maxServiceCPU {
				d.add(v.Line, p, "must be at most %v, got %v", maxServiceCPU, s.DBLatency)
			}
		},
		"cpu_budget": func(v *yaml.Node, p string) {
			var x float64
			if d.number(v, p, &x) && x < 0 {
				d.add(v.Line, p, "must be ≥ 0 (CPUs per instance of this service), got %v", x)
			}
			s.CPUBudget = &x
		},
		"calls": func(v *yaml.Node, p string) {
			d.list(v, p, func(it *yaml.Node, ip string) {
				var c string
				if d.str(it, ip, &c) {
					s.Calls = append(s.Calls, c)
				}
			})
		},
		"via": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Via) {
				d.oneOf(v, p, s.Via, vias)
			}
		},
		"command": func(v *yaml.Node, p string) {
			d.list(v, p, func(it *yaml.Node, ip string) {
				var c string
				d.str(it, ip, &c)
				s.Command = append(s.Command, c)
			})
			if len(s.Command) == 0 || strings.TrimSpace(s.Command[0]) == "" {
				d.add(v.Line, p, `must name the program to run, like ["node", "auth.js"]`)
			}
		},
		"dir": func(v *yaml.Node, p string) { d.str(v, p, &s.Dir) },
		"path": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Path) {
				if msg := checkPath(s.Path); msg != "" {
					d.add(v.Line, p, "%s", msg)
				}
			}
		},
	})
	return s
}

// checkServices checks a service-graph target as a whole: it has
// services, its calls name services of the graph without a cycle, and its
// entry is one of them (default: the one service nobody calls).
func (d *decoder) checkServices(t *Target, present map[string]*yaml.Node, path string) {
	if !targets.IsServiceGraph(t.Topology) {
		return
	}
	if _, ok := present["services"]; !ok {
		d.add(t.Line, field(path, "services"), "required for topology %s: the services, e.g. {auth: {replicas: 2, cpu: 1ms}, core: {cpu: 2ms, calls: [auth]}}", t.Topology)
		return
	}
	names := make([]string, len(t.Services))
	for i, s := range t.Services {
		names[i] = s.Name
	}
	called := map[string]bool{}
	for _, s := range t.Services {
		for _, c := range s.Calls {
			called[c] = true
			if !slices.Contains(names, c) {
				d.add(s.Line, field(path, "services."+s.Name+".calls"), "no service is named %q%s (services: %s)", c, suggest(c, names), strings.Join(names, ", "))
			}
		}
		if len(s.Command) > 0 && len(s.Calls) > 0 {
			d.add(s.Line, field(path, "services."+s.Name+".calls"), "a command service makes its own calls; calls applies to reference-app services")
		}
	}
	if _, err := t.Microservices().Graph().Order(); err != nil {
		d.add(present["services"].Line, field(path, "services"), "%v: a request would never end", err)
		return
	}
	d.checkEntry(t, present, path, names, called)
}

// checkEntry resolves and checks t.Entry.
func (d *decoder) checkEntry(t *Target, present map[string]*yaml.Node, path string, names []string, called map[string]bool) {
	if e, ok := present["entry"]; ok {
		if !slices.Contains(names, t.Entry) {
			d.add(e.Line, field(path, "entry"), "no service is named %q%s (services: %s)", t.Entry, suggest(t.Entry, names), strings.Join(names, ", "))
		}
		return
	}
	var roots []string
	for _, n := range names {
		if !called[n] {
			roots = append(roots, n)
		}
	}
	if len(roots) != 1 {
		d.add(t.Line, field(path, "entry"), "required: name the service the load goes to (services nobody calls: %s)", strings.Join(roots, ", "))
		return
	}
	t.Entry = roots[0]
}

// Microservices is the target's service graph as the drivers take it
// (nil for other topologies).
func (t Target) Microservices() *targets.Microservices {
	if !targets.IsServiceGraph(t.Topology) {
		return nil
	}
	m := &targets.Microservices{Entry: t.Entry}
	for _, s := range t.Services {
		ts := targets.Service{Name: s.Name, Replicas: max(s.Replicas, 1), CPU: s.CPU.D(), Calls: s.Calls,
			Queue: s.Via == "queue", Command: s.Command, Dir: s.Dir, Path: s.Path}
		if s.DB {
			ts.DB = defaultDBLatency.D()
			if s.DBLatency > 0 {
				ts.DB = s.DBLatency.D()
			}
		}
		if s.CPUBudget != nil {
			ts.CPUBudget = *s.CPUBudget
		}
		m.Services = append(m.Services, ts)
	}
	slices.SortFunc(m.Services, func(a, b targets.Service) int { return strings.Compare(a.Name, b.Name) })
	return m
}

// splitInstances is the number of reference-app instances the split of
// t's services runs: the monolith's default, so both get the same CPU.
func (t Target) splitInstances() int {
	n := 0
	for _, s := range t.Services {
		if len(s.Command) == 0 {
			n += max(s.Replicas, 1)
		}
	}
	return max(n, 1)
}
