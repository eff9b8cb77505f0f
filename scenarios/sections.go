package scenarios

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/secrets"
)

// Closed sets of values, in the order the docs list them.
var (
	drivers = []string{"process", "docker", "swarm", "kubernetes"}
	engines = []string{EngineAuto, EngineNetHTTP, EngineFast}
	methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	shapes  = []string{"rate", "steps", "ramp", "concurrency", "search"}
)

// Sanity ceilings: not physical limits, but beyond them a value is surely a
// typo and would make the generator or the host fall over.
const (
	maxRate        = 1_000_000
	maxConcurrency = 100_000
	minRampWindow  = 100 * time.Millisecond
	// maxSteps bounds the measured steps of one load shape (steps,
	// concurrency, ramp windows): each step holds about 1 MB of histograms
	// until the phase's results are built, so this keeps a phase under
	// ~100 MB of memory.
	maxSteps = 100
	// maxTargets bounds the targets of one scenario.
	maxTargets = 32
)

// scenario decodes the document's root mapping into s, whose defaults are
// already filled in.
func (d *decoder) scenario(root *yaml.Node, s *Scenario) {
	present := d.mapping(root, "", fields{
		"version": func(v *yaml.Node, p string) {
			if d.integer(v, p, &s.Version) && s.Version != 1 {
				d.add(v.Line, p, "unsupported version %d; this scalebench reads version 1", s.Version)
			}
		},
		"name":        func(v *yaml.Node, p string) { d.str(v, p, &s.Name) },
		"description": func(v *yaml.Node, p string) { d.str(v, p, &s.Description) },
		"driver": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Driver) {
				d.oneOf(v, p, s.Driver, drivers)
			}
		},
		"defaults": func(v *yaml.Node, p string) { d.defaults(v, p, &s.Defaults) },
		"requests": func(v *yaml.Node, p string) { d.requests(v, p, &s.Requests) },
		"flows":    func(v *yaml.Node, p string) { d.flows(v, p, &s.Flows) },
		"load":     func(v *yaml.Node, p string) { d.load(v, p, &s.Load) },
		"slo": func(v *yaml.Node, p string) {
			s.SLO = &SLO{ErrorRate: ptr(defaultErrorRate)}
			d.slo(v, p, s.SLO)
		},
		"targets": func(v *yaml.Node, p string) { s.Targets = d.targets(v, p) },
		"secret_headers": func(v *yaml.Node, p string) {
			s.SecretHeaders = []string{}
			d.list(v, p, func(it *yaml.Node, ip string) {
				var h string
				if d.str(it, ip, &h) {
					if msg := checkHeader(h, ""); msg != "" {
						d.add(it.Line, ip, "%s", msg)
					}
				}
				s.SecretHeaders = append(s.SecretHeaders, h)
			})
		},
		"websocket": func(v *yaml.Node, p string) {
			s.WebSocket = newWebSocket()
			d.websocket(v, p, s.WebSocket)
		},
		"generators": func(v *yaml.Node, p string) {
			s.Generators = &Generators{}
			d.generators(v, p, s.Generators)
		},
	})
	if present == nil {
		return
	}
	d.checkGenerators(present)
	if ws, ok := present["websocket"]; ok {
		// A WebSocket scenario's load is its websocket section.
		for _, k := range []string{"requests", "load"} {
			if other, dup := present[k]; dup {
				d.add(other.Line, k, "cannot be combined with websocket (line %d): a WebSocket scenario's load is its websocket section", ws.Line)
			}
		}
	} else {
		d.requestsOrFlows(root, present, s)
		if _, ok := present["load"]; !ok {
			d.add(root.Line, "load", "required: one of rate, steps, ramp or concurrency")
		}
	}
	if _, ok := present["targets"]; !ok {
		d.add(root.Line, "targets", "required: at least one target to measure")
	}
	d.checkCapacity(s, present)
	d.checkWeights(s)
	if s.Name != "" && strings.TrimSpace(s.Name) == "" {
		d.add(present["name"].Line, "name", "must not be blank")
	}
	d.checkFaultTimes(s)
}

// defaults decodes the defaults section.
func (d *decoder) defaults(n *yaml.Node, path string, df *Defaults) {
	d.mapping(n, path, fields{
		"warmup":          d.durationAtLeast(&df.Warmup, 0, true),
		"duration":        d.durationAtLeast(&df.Duration, 0, false),
		"timeout":         d.durationAtLeast(&df.Timeout, 0, false),
		"startup_timeout": d.durationAtLeast(&df.StartupTimeout, 0, false),
		"cooldown":        d.durationAtLeast(&df.Cooldown, 0, true),
		"cpu_budget": func(v *yaml.Node, p string) {
			if d.number(v, p, &df.CPUBudget) && df.CPUBudget < 0 {
				d.add(v.Line, p, "must be ≥ 0 (CPUs per instance; 0 = no budget), got %v", df.CPUBudget)
			}
		},
		"memory_mb":  d.intAtLeast(&df.MemoryMB, 0, "MiB per instance; 0 = no limit"),
		"gomaxprocs": d.intAtLeast(&df.GOMAXPROCS, 1, ""),
		"trials":     d.intAtLeast(&df.Trials, 1, "measurements of each step"),
		"min_effect": func(v *yaml.Node, p string) {
			if d.number(v, p, &df.MinEffect) && (df.MinEffect < 0 || df.MinEffect >= 1) {
				d.add(v.Line, p, "must be in [0, 1) (0.05 = 5%%), got %v", df.MinEffect)
			}
		},
		"allow_oversubscribe": func(v *yaml.Node, p string) { d.boolean(v, p, &df.AllowOversubscribe) },
	})
}

// durationAtLeast returns a field function decoding a duration that must be
// > min (or ≥ min with orEqual).
func (d *decoder) durationAtLeast(dst *Duration, min time.Duration, orEqual bool) fieldFunc {
	return func(v *yaml.Node, p string) {
		if !d.duration(v, p, dst) {
			return
		}
		switch got := dst.D(); {
		case orEqual && got < min:
			d.add(v.Line, p, "must be ≥ %v, got %v", min, got)
		case !orEqual && got <= min:
			d.add(v.Line, p, "must be > %v, got %v", min, got)
		}
	}
}

// intAtLeast returns a field function decoding a whole number ≥ min.
func (d *decoder) intAtLeast(dst *int, min int, note string) fieldFunc {
	return func(v *yaml.Node, p string) {
		if d.integer(v, p, dst) && *dst < min {
			if note != "" {
				note = " (" + note + ")"
			}
			d.add(v.Line, p, "must be ≥ %d%s, got %d", min, note, *dst)
		}
	}
}

// intPtrAtLeast is intAtLeast for an optional override.
func (d *decoder) intPtrAtLeast(dst **int, min int, note string) fieldFunc {
	return func(v *yaml.Node, p string) {
		var x int
		d.intAtLeast(&x, min, note)(v, p)
		*dst = &x
	}
}

// requests decodes the list of requests.
func (d *decoder) requests(n *yaml.Node, path string, dst *[]Request) {
	lines := map[string]int{}
	ok := d.list(n, path, func(it *yaml.Node, p string) {
		r := Request{Method: "GET", Weight: 1}
		d.request(it, p, &r)
		if r.Name == "" {
			r.Name = r.Method + " " + r.Path
		}
		if first, dup := lines[r.Name]; dup {
			d.add(line(it), field(p, "name"), "request %q is listed twice (first on line %d); give each request a distinct name", r.Name, first)
		}
		lines[r.Name] = line(it)
		*dst = append(*dst, r)
	})
	if ok && len(*dst) == 0 {
		d.add(line(n), path, "must list at least one request, e.g. [{path: /}]")
	}
}

// request decodes one request.
func (d *decoder) request(n *yaml.Node, path string, r *Request) {
	present := d.mapping(n, path, fields{
		"name": func(v *yaml.Node, p string) {
			if d.str(v, p, &r.Name) && strings.TrimSpace(r.Name) == "" {
				d.add(v.Line, p, "must not be blank")
			}
		},
		"method": func(v *yaml.Node, p string) {
			if d.str(v, p, &r.Method) {
				d.oneOf(v, p, r.Method, methods)
			}
		},
		"path": func(v *yaml.Node, p string) { d.path(v, p, &r.Path) },
		"headers": func(v *yaml.Node, p string) {
			var lines map[string]int
			r.Headers, lines = d.strMap(v, p)
			for _, k := range sortedKeys(r.Headers) {
				if check, ok := d.envValue(lines[k], field(p, k), r.Headers[k]); ok {
					if msg := checkHeader(k, check); msg != "" {
						d.add(lines[k], field(p, k), "%s", msg)
					}
				}
			}
		},
		"body": func(v *yaml.Node, p string) {
			if d.str(v, p, &r.Body) {
				d.envValue(v.Line, p, r.Body)
			}
		},
		"weight": d.intAtLeast(&r.Weight, 1, "relative frequency"),
	})
	if present == nil {
		return
	}
	if _, ok := present["path"]; !ok {
		d.add(line(n), field(path, "path"), "required: the request path, e.g. /work?cpu=2ms")
	}
}

// checkPath returns what is wrong with a request path, or "".
// path decodes a request path, ${env:…} allowed; a problem never shows
// the query string's values (they may be secrets).
func (d *decoder) path(v *yaml.Node, p string, dst *string) {
	if !d.str(v, p, dst) {
		return
	}
	if check, ok := d.envValue(v.Line, p, *dst); ok {
		if msg := checkPath(check); msg != "" {
			d.add(v.Line, p, "%s", secrets.Query(hideExpansion(msg, *dst, check)))
		}
	}
}

func checkPath(p string) string {
	switch {
	case p == "":
		return `must not be empty; use "/" for the root`
	case strings.Contains(p, "://"):
		return fmt.Sprintf("must be a path like /work, not a URL (got %q); the target gives the host", p)
	case !strings.HasPrefix(p, "/"):
		return fmt.Sprintf("must start with \"/\", got %q", p)
	case strings.HasPrefix(p, "//"):
		// "//host/x" is a scheme-relative URL: it would name another host.
		return fmt.Sprintf("must not start with \"//\" (that names a host, not a path), got %q", p)
	case strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return fmt.Sprintf("must not contain spaces or control characters (escape them as %%20), got %q", p)
	}
	if _, err := url.ParseRequestURI(p); err != nil {
		return fmt.Sprintf("is not a valid path and query: %q", p)
	}
	return ""
}

// checkHeader returns what is wrong with one header, or "".
func checkHeader(name, value string) string {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return !isTokenRune(r) }) {
		return fmt.Sprintf("%q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", name)
	}
	switch strings.ToLower(name) {
	case "content-length", "transfer-encoding", "connection":
		return "is set by scalebench itself and cannot be given"
	}
	if strings.ContainsFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
		return "value must not contain line breaks or control characters"
	}
	return ""
}

// isTokenRune reports whether r may appear in an HTTP token (RFC 9110).
func isTokenRune(r rune) bool {
	return r < 0x7f && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' ||
		strings.ContainsRune("!#$%&'*+-.^_`|~", r))
}

// load decodes the load section and checks that exactly one shape is given.
func (d *decoder) load(n *yaml.Node, path string, l *LoadShape) {
	present := d.mapping(n, path, d.loadFields(l))
	if present == nil {
		return
	}
	var first *yaml.Node
	for _, s := range shapes {
		k, ok := present[s]
		if !ok {
			continue
		}
		if first == nil {
			first = k
			continue
		}
		d.add(k.Line, field(path, s), "cannot be combined with %s (line %d): give exactly one of rate, steps, ramp, concurrency or search", first.Value, first.Line)
	}
	if first == nil {
		d.add(line(n), path, "needs one load shape: rate (req/s), steps (list of rates), ramp (from, to, over), concurrency (closed model) or search (from, to: find the capacity)")
	}
	if k, ok := present["max_workers"]; ok && len(l.Concurrency) > 0 {
		if top := maxInt(l.Concurrency); l.MaxWorkers < top {
			d.add(k.Line, field(path, "max_workers"), "must be ≥ the highest concurrency (%d), got %d", top, l.MaxWorkers)
		}
	}
}

// loadFields decodes each field of the load section into l.
func (d *decoder) loadFields(l *LoadShape) fields {
	return fields{
		"rate": func(v *yaml.Node, p string) {
			if d.number(v, p, &l.Rate) {
				d.rateIn(l.Rate, v, p)
			}
		},
		"steps": func(v *yaml.Node, p string) {
			l.Steps = []float64{}
			if d.list(v, p, func(it *yaml.Node, ip string) {
				var x float64
				if d.number(it, ip, &x) {
					d.rateIn(x, it, ip)
				}
				l.Steps = append(l.Steps, x)
			}) && len(l.Steps) == 0 {
				d.add(v.Line, p, "must list at least one rate in req/s, e.g. [100, 200, 400]")
			}
			d.atMostSteps(v, p, len(l.Steps))
		},
		"ramp": func(v *yaml.Node, p string) {
			l.Ramp = &Ramp{Windows: defaultRampWindows}
			d.ramp(v, p, l.Ramp)
		},
		"concurrency": func(v *yaml.Node, p string) { d.concurrency(v, p, l) },
		"search": func(v *yaml.Node, p string) {
			l.Search, l.SearchLine = d.search(v, p), line(v)
		},
		"max_workers": func(v *yaml.Node, p string) {
			if d.integer(v, p, &l.MaxWorkers) && (l.MaxWorkers < 1 || l.MaxWorkers > maxConcurrency) {
				d.add(v.Line, p, "must be between 1 and %d, got %d", maxConcurrency, l.MaxWorkers)
			}
		},
		"engine": func(v *yaml.Node, p string) {
			if d.str(v, p, &l.Engine) {
				d.oneOf(v, p, l.Engine, engines)
				l.engineLine = v.Line
			}
		},
	}
}

// rateIn checks an arrival rate in req/s.
func (d *decoder) rateIn(x float64, v *yaml.Node, p string) {
	switch {
	case x <= 0:
		d.add(v.Line, p, "must be > 0 req/s, got %v", x)
	case x > maxRate:
		d.add(v.Line, p, "must be ≤ %d req/s, got %v", maxRate, x)
	}
}

// concurrency decodes load.concurrency: one number of clients or a list.
func (d *decoder) concurrency(v *yaml.Node, p string, l *LoadShape) {
	l.Concurrency = []int{}
	one := func(it *yaml.Node, ip string) {
		var c int
		if d.integer(it, ip, &c) && (c < 1 || c > maxConcurrency) {
			d.add(it.Line, ip, "must be between 1 and %d clients, got %d", maxConcurrency, c)
		}
		l.Concurrency = append(l.Concurrency, c)
	}
	if r := resolve(v); r != nil && r.Kind == yaml.ScalarNode {
		one(v, p)
		return
	}
	if d.list(v, p, one) && len(l.Concurrency) == 0 {
		d.add(v.Line, p, "must list at least one number of clients, e.g. [10, 50]")
	}
	d.atMostSteps(v, p, len(l.Concurrency))
}

// atMostSteps records a problem when a load shape lists more than maxSteps
// steps.
func (d *decoder) atMostSteps(v *yaml.Node, p string, n int) {
	if n > maxSteps {
		d.add(v.Line, p, "lists %d steps; at most %d per scenario (each step holds about 1 MB of histograms while it runs)", n, maxSteps)
	}
}

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// ramp decodes a linear ramp and checks it is one.
func (d *decoder) ramp(n *yaml.Node, path string, r *Ramp) {
	var fromOK, toOK, overOK bool
	present := d.mapping(n, path, fields{
		"from": func(v *yaml.Node, p string) {
			if fromOK = d.number(v, p, &r.From); fromOK && (r.From < 0 || r.From > maxRate) {
				fromOK = false
				d.add(v.Line, p, "must be between 0 and %d req/s, got %v", maxRate, r.From)
			}
		},
		"to": func(v *yaml.Node, p string) {
			if toOK = d.number(v, p, &r.To); toOK && (r.To <= 0 || r.To > maxRate) {
				toOK = false
				d.add(v.Line, p, "must be > 0 and ≤ %d req/s, got %v", maxRate, r.To)
			}
		},
		"over": func(v *yaml.Node, p string) {
			if overOK = d.duration(v, p, &r.Over); overOK && r.Over <= 0 {
				overOK = false
				d.add(v.Line, p, "must be > 0, got %v", r.Over.D())
			}
		},
		"windows": func(v *yaml.Node, p string) {
			switch {
			case !d.integer(v, p, &r.Windows):
			case r.Windows < 1:
				d.add(v.Line, p, "must be ≥ 1, got %d", r.Windows)
			case r.Windows > maxSteps:
				d.add(v.Line, p, "must be at most %d (each window is a result step holding about 1 MB until the ramp ends), got %d", maxSteps, r.Windows)
			}
		},
	})
	if present == nil {
		return
	}
	for _, req := range []string{"to", "over"} {
		if _, ok := present[req]; !ok {
			d.add(line(n), field(path, req), "required: a ramp needs to (final req/s) and over (its length)")
		}
	}
	_, hasFrom := present["from"]
	if toOK && (fromOK || !hasFrom) && r.From == r.To {
		d.add(present["to"].Line, field(path, "to"), "must differ from from (%v); for a constant rate use load.rate", r.From)
	}
	if k, ok := present["windows"]; ok && overOK && r.Windows >= 1 && r.Over.D()/time.Duration(r.Windows) < minRampWindow {
		d.add(k.Line, field(path, "windows"), "%d windows over %v are shorter than %v each; use fewer windows or a longer ramp", r.Windows, r.Over.D(), minRampWindow)
	} else if !ok && overOK && r.Over.D()/time.Duration(r.Windows) < minRampWindow {
		d.add(present["over"].Line, field(path, "over"), "must be at least %v for %d windows of %v", minRampWindow*time.Duration(r.Windows), r.Windows, minRampWindow)
	}
}

// slo decodes the service-level objective.
func (d *decoder) slo(n *yaml.Node, path string, s *SLO) {
	latency := func(dst *Duration) fieldFunc {
		return func(v *yaml.Node, p string) {
			if d.duration(v, p, dst) && *dst <= 0 {
				d.add(v.Line, p, "must be > 0, got %v", dst.D())
			}
		}
	}
	d.mapping(n, path, fields{
		"p50":  latency(&s.P50),
		"p90":  latency(&s.P90),
		"p95":  latency(&s.P95),
		"p99":  latency(&s.P99),
		"p999": latency(&s.P999),
		"error_rate": func(v *yaml.Node, p string) {
			var x float64
			if d.number(v, p, &x) && (x < 0 || x > 1) {
				d.add(v.Line, p, "must be a fraction between 0 and 1 (0.01 = 1%%), got %v", x)
			}
			s.ErrorRate = &x
		},
		"target_rate": func(v *yaml.Node, p string) {
			s.TargetRateLine = line(v)
			if d.number(v, p, &s.TargetRate) && (s.TargetRate <= 0 || s.TargetRate > maxRate) {
				d.add(v.Line, p, "must be > 0 and ≤ %d req/s, got %v", maxRate, s.TargetRate)
			}
		},
		"delivery_ratio": func(v *yaml.Node, p string) {
			var x float64
			if d.number(v, p, &x) && (x < 0 || x > 1) {
				d.add(v.Line, p, "must be a fraction between 0 and 1 (0.999 = 99.9%% of expected deliveries), got %v", x)
			}
			s.DeliveryRatio = &x
		},
	})
}

func ptr[T any](v T) *T { return &v }
