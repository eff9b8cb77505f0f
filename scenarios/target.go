package scenarios

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/netsafe"
	"github.com/scalebench/scalebench/secrets"
	"github.com/scalebench/scalebench/targets"
)

// Target kinds: what a target is made of. Exactly one of these fields is
// set on a target.
const (
	KindTopology = "topology" // a built-in architecture from targets.Catalog
	KindCommand  = "command"  // the user's server, started by scalebench
	KindURL      = "url"      // a service already running
	KindImage    = "image"    // the user's container image (docker driver)
)

var kinds = []string{KindTopology, KindCommand, KindURL, KindImage}

// kindFields lists the fields each kind of target takes besides name. A
// built-in topology also takes the fields in topologyFields.
var kindFields = map[string][]string{
	KindTopology: {"topology", "env", "cpu_budget", "memory_mb", "gomaxprocs"},
	KindCommand:  {"command", "dir", "env", "replicas", "balancer", "policy", "health", "cpu_budget", "memory_mb"},
	KindURL:      {"url", "allow_remote", "health"},
	KindImage:    {"image", "port", "env", "replicas", "balancer", "policy", "health", "cpu_budget", "memory_mb"},
}

// balancedFields are the fields of anything running replicas behind a
// balancer.
var balancedFields = []string{"replicas", "balancer", "policy"}

// topologyFields lists the fields that only make sense for some built-in
// topologies. A topology of targets.Catalog missing here takes
// balancedFields when it is Balanced and nothing otherwise; add a row when
// a new topology has options of its own.
var topologyFields = map[string][]string{
	"single":   nil,
	"cluster":  {"workers"},
	"replicas": balancedFields,
	// Redis-backed topologies (redis.go): each combinable with replicas.
	"nocache":         append(slices.Clone(balancedFields), "cache", "database", "db", "weights"),
	"cached":          append(slices.Clone(balancedFields), "cache", "database", "db", "weights"),
	"queue":           append(slices.Clone(balancedFields), "queue"),
	"sync":            append(slices.Clone(balancedFields), "queue"),
	"sessions-memory": balancedFields,
	"sessions-redis":  balancedFields,
	// PostgreSQL topologies (database.go): each combinable with replicas.
	"db-primary":  append(slices.Clone(balancedFields), "db", "weights"),
	"db-replicas": append(slices.Clone(balancedFields), "db_replicas", "read_from", "db", "weights"),
	"db-sharded":  append(slices.Clone(balancedFields), "shards", "db", "weights"),
	// Service graphs (services.go): the split takes replicas per service.
	"microservices": {"services", "entry", "balancer", "policy"},
	"monolith":      append(slices.Clone(balancedFields), "services", "entry"),
}

var (
	balancers = []string{"auto", "nginx", "go"}
	policies  = []string{"round_robin", "least_conn"}
)

const maxInstances = 256

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	envKeyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Kind is what the target is: KindTopology, KindCommand, KindURL or
// KindImage ("" before validation).
func (t Target) Kind() string {
	switch {
	case t.Topology != "":
		return KindTopology
	case len(t.Command) > 0:
		return KindCommand
	case t.URL != "":
		return KindURL
	case t.Image != "":
		return KindImage
	}
	return ""
}

// allowedFields returns the fields a target of kind (and topology) takes.
func allowedFields(kind, topology string) []string {
	out := append([]string{"name"}, kindFields[kind]...)
	if kind != KindTopology {
		return out
	}
	extra, ok := topologyFields[topology]
	if !ok {
		if topo, found := targets.Lookup(topology); found && topo.Balanced {
			extra = balancedFields
		}
	}
	return append(out, extra...)
}

func topologyNames() []string {
	out := make([]string, len(targets.Catalog))
	for i, t := range targets.Catalog {
		out[i] = t.Name
	}
	return out
}

// targets decodes the list of targets, then checks names are unique.
func (d *decoder) targets(n *yaml.Node, path string) []Target {
	out := []Target{}
	if !d.list(n, path, func(it *yaml.Node, p string) {
		out = append(out, d.target(it, p))
	}) {
		return out
	}
	switch {
	case len(out) == 0:
		d.add(line(n), path, "must list at least one target, e.g. [{topology: single}]")
	case len(out) > maxTargets:
		d.add(line(n), path, "lists %d targets; at most %d per scenario (split the comparison into several scenarios)", len(out), maxTargets)
	}
	return out
}

// target decodes one target and checks its fields fit its kind.
func (d *decoder) target(n *yaml.Node, path string) Target {
	t := Target{Line: line(n)}
	var urlNode *yaml.Node
	var urlChecked string // t.URL with ${env:…} resolved
	fs := d.databaseFields(&t)
	maps.Copy(fs, d.serviceFields(&t))
	for k, f := range (fields{
		"name": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Name) && !namePattern.MatchString(t.Name) {
				d.add(v.Line, p, "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit (it names files), got %q", t.Name)
			}
		},
		"topology": func(v *yaml.Node, p string) { d.targetTopology(v, p, &t) },
		"command":  func(v *yaml.Node, p string) { d.targetCommand(v, p, &t) },
		"url":      func(v *yaml.Node, p string) { urlNode, urlChecked = d.targetURL(v, p, &t) },
		"image": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Image) && (t.Image == "" || strings.ContainsFunc(t.Image, func(r rune) bool { return r <= ' ' })) {
				d.add(v.Line, p, "must be an image reference like myorg/api:1.2, got %q", t.Image)
			}
		},
		"allow_remote": func(v *yaml.Node, p string) { d.boolean(v, p, &t.AllowRemote) },
		"workers":      d.sizes(&t.Workers, &t.Sweep),
		"replicas":     d.sizes(&t.Replicas, &t.Sweep),
		"balancer": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Balancer) {
				d.oneOf(v, p, t.Balancer, balancers)
			}
		},
		"policy": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Policy) {
				d.oneOf(v, p, t.Policy, policies)
			}
		},
		"health": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Health) {
				if msg := checkPath(t.Health); msg != "" {
					d.add(v.Line, p, "%s", msg)
				}
			}
		},
		"env": func(v *yaml.Node, p string) { d.targetEnv(v, p, &t) },
		"dir": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Dir) && strings.TrimSpace(t.Dir) == "" {
				d.add(v.Line, p, "must not be blank; leave it out to run in the scenario file's folder")
			}
		},
		"port": func(v *yaml.Node, p string) {
			if d.integer(v, p, &t.Port) && (t.Port < 1 || t.Port > 65535) {
				d.add(v.Line, p, "must be a TCP port between 1 and 65535, got %d", t.Port)
			}
		},
		"cpu_budget": func(v *yaml.Node, p string) {
			var x float64
			if d.number(v, p, &x) && x < 0 {
				d.add(v.Line, p, "must be ≥ 0 (CPUs per instance; 0 = no budget), got %v", x)
			}
			t.CPUBudget = &x
		},
		"memory_mb":  d.intPtrAtLeast(&t.MemoryMB, 0, "MiB per instance; 0 = no limit"),
		"gomaxprocs": d.intPtrAtLeast(&t.GOMAXPROCS, 1, ""),
		"cache":      func(v *yaml.Node, p string) { t.Cache = d.cache(v, p) },
		"queue":      func(v *yaml.Node, p string) { t.Queue = d.queue(v, p, t.Topology) },
		// Fault injection and autoscaling (faults.go).
		"faults":    func(v *yaml.Node, p string) { t.Faults = d.faults(v, p) },
		"autoscale": func(v *yaml.Node, p string) { t.Autoscale = d.autoscale(v, p) },
		"retries":   func(v *yaml.Node, p string) { t.Retries = new(bool); d.boolean(v, p, t.Retries) },
	}) {
		fs[k] = f
	}
	present := d.mapping(n, path, fs)
	if present == nil {
		return t
	}
	d.checkTarget(n, path, &t, present, urlNode, urlChecked)
	return t
}

// targetTopology decodes topology: a name from the registry.
func (d *decoder) targetTopology(v *yaml.Node, p string, t *Target) {
	if d.str(v, p, &t.Topology) {
		if _, ok := targets.Lookup(t.Topology); !ok {
			names := topologyNames()
			d.add(v.Line, p, "unknown topology %q%s; known: %s (see `scalebench targets`)",
				t.Topology, suggest(t.Topology, names), strings.Join(names, ", "))
		}
	}
}

// targetCommand decodes command: a program and its arguments.
func (d *decoder) targetCommand(v *yaml.Node, p string, t *Target) {
	if r := resolve(v); r != nil && r.Kind == yaml.ScalarNode {
		d.add(v.Line, p, `must be a list of program and arguments, like ["node", "server.js"], got %s`, describe(v))
		return
	}
	t.Command = []string{}
	d.list(v, p, func(it *yaml.Node, ip string) {
		var s string
		d.str(it, ip, &s)
		t.Command = append(t.Command, s)
	})
	if len(t.Command) == 0 {
		d.add(v.Line, p, `must name the program to run, like ["node", "server.js"]`)
	} else if strings.TrimSpace(t.Command[0]) == "" {
		d.add(v.Line, index(p, 0), "the program must not be blank")
	}
}

// targetURL decodes url and returns its node and value with ${env:…}
// resolved for the loopback check (nil when it is already reported).
func (d *decoder) targetURL(v *yaml.Node, p string, t *Target) (*yaml.Node, string) {
	var urlNode *yaml.Node
	var urlChecked string
	if d.str(v, p, &t.URL) {
		urlNode = v
		var ok bool
		if urlChecked, ok = d.envValue(v.Line, p, t.URL); !ok {
			urlNode = nil
		} else if msg := checkURL(urlChecked); msg != "" {
			// The message may quote the URL: never with its password.
			d.add(v.Line, p, "%s", strings.ReplaceAll(hideExpansion(msg, t.URL, urlChecked), t.URL, secrets.URL(t.URL)))
			urlNode = nil
		}
	}
	return urlNode, urlChecked
}

// targetEnv decodes env; PORT is scalebench's.
func (d *decoder) targetEnv(v *yaml.Node, p string, t *Target) {
	var lines map[string]int
	t.Env, lines = d.strMap(v, p)
	for _, k := range sortedKeys(t.Env) {
		switch {
		case !envKeyPattern.MatchString(k):
			d.add(lines[k], field(p, k), "is not a valid environment variable name (letters, digits and _, not starting with a digit)")
		case k == "PORT":
			d.add(lines[k], field(p, k), "is set by scalebench (the port each instance must listen on) and cannot be given")
		default:
			d.envValue(lines[k], field(p, k), t.Env[k])
		}
	}
}

// checkTarget checks the decoded target's fields fit its kind: fields its
// kind or topology does not use, faults, database, an image's port, a
// remote URL.
func (d *decoder) checkTarget(n *yaml.Node, path string, t *Target, present map[string]*yaml.Node, urlNode *yaml.Node, urlChecked string) {
	kind := d.targetKind(n, path, present)
	if kind == "" {
		return
	}
	allowed := allowedFields(kind, t.Topology)
	for _, k := range sortedKeys(present) {
		if !contains(allowed, k) && !contains(kinds, k) && !contains(faultFieldNames, k) {
			d.add(present[k].Line, field(path, k), "%s", notUsed(k, kind, t.Topology, allowed))
		}
	}
	d.checkTargetFaults(t, kind, path, present)
	d.checkDatabase(t, present, path)
	d.checkServices(t, present, path)
	if kind == KindImage {
		if _, ok := present["port"]; !ok {
			d.add(line(n), field(path, "port"), "required for an image target: the port the container listens on")
		}
	}
	if urlNode != nil && !t.AllowRemote {
		if u, err := url.Parse(urlChecked); err == nil && !netsafe.IsLoopback(u.Hostname()) {
			d.add(urlNode.Line, field(path, "url"), "host %q is not a loopback address (127.0.0.0/8, ::1, localhost); set allow_remote: true to load it on purpose", u.Hostname())
		}
	}
}

// targetKind checks that exactly one of topology, command, url and image
// is present and returns it ("" if none).
func (d *decoder) targetKind(n *yaml.Node, path string, present map[string]*yaml.Node) string {
	var first *yaml.Node
	for _, k := range kinds {
		kn, ok := present[k]
		if !ok {
			continue
		}
		if first == nil {
			first = kn
			continue
		}
		d.add(kn.Line, field(path, k), "cannot be combined with %s (line %d): a target is one of topology, command, url or image", first.Value, first.Line)
	}
	if first == nil {
		d.add(line(n), path, "needs one of topology (a built-in architecture), command (your server), url (a running service) or image (your container)")
		return ""
	}
	return first.Value
}

// notUsed explains why field k does not belong on a target of this kind.
func notUsed(k, kind, topology string, allowed []string) string {
	var msg string
	if kind == KindTopology {
		own := allowedFields(KindTopology, topology)[len(kindFields[KindTopology])+1:]
		if len(own) == 0 {
			msg = fmt.Sprintf("not used by topology %q (it has no fields of its own)", topology)
		} else {
			msg = fmt.Sprintf("not used by topology %q (its own fields: %s)", topology, strings.Join(own, ", "))
		}
	} else {
		article := "a"
		if kind == KindImage {
			article = "an"
		}
		msg = fmt.Sprintf("not used by %s %s target", article, kind)
		switch {
		case kind == KindURL:
			msg += " (scalebench neither starts nor limits a running service)"
		case k == "gomaxprocs":
			msg += " (it applies to the reference app; set env: {GOMAXPROCS: \"1\"} for a Go server)"
		}
	}
	switch {
	case k == "workers" && contains(allowed, "replicas"):
		msg += "; use replicas"
	case k == "replicas" && contains(allowed, "workers"):
		msg += "; use workers"
	}
	return msg
}

// instances returns a field function for workers or replicas.
func (d *decoder) instances(dst *int) fieldFunc {
	return func(v *yaml.Node, p string) {
		if d.integer(v, p, dst) && (*dst < 1 || *dst > maxInstances) {
			d.add(v.Line, p, "must be ≥ 1 and ≤ %d, got %d", maxInstances, *dst)
		}
	}
}

// checkURL returns what is wrong with a target URL, or "".
func checkURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Sprintf("is not a valid URL: %q", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("must start with http:// or https://, got %q", s)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("needs a host, like http://127.0.0.1:3000, got %q", s)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "must not have a query or fragment; put those in requests[].path"
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("has an invalid port %q", p)
		}
	}
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
