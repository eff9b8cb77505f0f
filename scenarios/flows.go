package scenarios

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Flow is a sequence of requests in which values captured from one
// response are used by later requests as ${name}: log in, then call an
// authenticated endpoint with the session. A scenario lists either
// requests or flows; flows start at the load's rate (flows per second).
type Flow struct {
	// Name identifies the flow in results.
	Name string `yaml:"name" json:"name"`
	// Weight is the relative frequency of this flow (default 1).
	Weight int `yaml:"weight" json:"weight"`
	// Steps are the requests, in order.
	Steps []FlowStep `yaml:"steps" json:"steps"`
}

// FlowStep is one request of a flow.
type FlowStep struct {
	// Name labels the step in results (unique within its flow).
	Name string `yaml:"name" json:"name"`
	// Method is the HTTP method (default GET).
	Method string `yaml:"method" json:"method"`
	// Path is the request path and query; may use ${name}.
	Path string `yaml:"path" json:"path"`
	// Headers are sent with the request; values may use ${name}.
	Headers map[string]string `yaml:"headers" json:"headers"`
	// Body is the request body; may use ${name}.
	Body string `yaml:"body" json:"body"`
	// Think is a pause before this step, after the previous response.
	Think Duration `yaml:"think" json:"think"`
	// Capture names values to take from the response.
	Capture map[string]Capture `yaml:"capture" json:"capture"`
	// Expect is what counts as success (default: any status < 400).
	Expect *Expect `yaml:"expect" json:"expect"`
}

// Capture says where one value comes from: exactly one field is set.
type Capture struct {
	// Cookie is the name of a cookie set by the response.
	Cookie string `yaml:"cookie" json:"cookie"`
	// Header is the name of a response header.
	Header string `yaml:"header" json:"header"`
	// JSON is a dotted path into a JSON body ("session", "data.items.0.id").
	JSON string `yaml:"json" json:"json"`
	// Regex is matched against the body; the first group (or the whole match).
	Regex string `yaml:"regex" json:"regex"`
}

// Expect is what a step's response must satisfy.
type Expect struct {
	// Status is the exact status code expected.
	Status int `yaml:"status" json:"status"`
}

var (
	varRef      = regexp.MustCompile(`\$\{([^}]*)\}`)
	varName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	flowSources = []string{"cookie", "header", "json", "regex"}
	// builtinVars are set by load/flow for every flow instance: its number
	// from 0, its flow's name, and a random number fixed for the instance.
	builtinVars = map[string]bool{"flow.seq": true, "flow.name": true, "flow.rand": true}
)

// flows decodes the flows section.
func (d *decoder) flows(n *yaml.Node, path string, dst *[]Flow) {
	lines := map[string]int{}
	ok := d.list(n, path, func(it *yaml.Node, p string) {
		f := Flow{Weight: 1}
		d.flow(it, p, &f)
		if f.Name != "" {
			if first, dup := lines[f.Name]; dup {
				d.add(line(it), field(p, "name"), "flow %q is listed twice (first on line %d)", f.Name, first)
			}
			lines[f.Name] = line(it)
		}
		*dst = append(*dst, f)
	})
	if ok && len(*dst) == 0 {
		d.add(line(n), path, "must list at least one flow")
	}
}

// flow decodes one flow.
func (d *decoder) flow(n *yaml.Node, path string, f *Flow) {
	present := d.mapping(n, path, fields{
		"name": func(v *yaml.Node, p string) {
			if d.str(v, p, &f.Name) && !namePattern.MatchString(f.Name) {
				d.add(v.Line, p, "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit, got %q", f.Name)
			}
		},
		"weight": d.intAtLeast(&f.Weight, 1, "relative frequency"),
		"steps": func(v *yaml.Node, p string) {
			defined := map[string]bool{}
			names := map[string]int{}
			ok := d.list(v, p, func(it *yaml.Node, sp string) {
				s := FlowStep{Method: "GET"}
				d.flowStep(it, sp, &s, defined)
				if s.Name != "" {
					if first, dup := names[s.Name]; dup {
						d.add(line(it), field(sp, "name"), "step %q is listed twice in this flow (first on line %d)", s.Name, first)
					}
					names[s.Name] = line(it)
				}
				f.Steps = append(f.Steps, s)
			})
			if ok && len(f.Steps) == 0 {
				d.add(line(v), p, "must list at least one step, e.g. [{name: home, path: /}]")
			}
		},
	})
	if present == nil {
		return
	}
	if _, ok := present["name"]; !ok {
		d.add(line(n), field(path, "name"), "required: names the flow in results")
	}
	if _, ok := present["steps"]; !ok {
		d.add(line(n), field(path, "steps"), "required: the requests of the flow, in order")
	}
}

// flowStep decodes one step; defined holds the names captured by earlier
// steps of the flow, and gains this step's captures.
func (d *decoder) flowStep(n *yaml.Node, path string, s *FlowStep, defined map[string]bool) {
	uses := func(v *yaml.Node, p, text string) {
		for _, m := range varRef.FindAllStringSubmatch(text, -1) {
			switch {
			case strings.HasPrefix(m[1], "env:"):
				d.envValue(v.Line, p, m[0])
			case builtinVars[m[1]]:
			case !varName.MatchString(m[1]):
				d.add(v.Line, p, "${%s}: not a valid name (letters, digits and _, not starting with a digit)", m[1])
			case !defined[m[1]]:
				d.add(v.Line, p, "${%s} is not captured by an earlier step of this flow", m[1])
			}
		}
	}
	present := d.mapping(n, path, fields{
		"name": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Name) && !namePattern.MatchString(s.Name) {
				d.add(v.Line, p, "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit, got %q", s.Name)
			}
		},
		"method": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Method) {
				d.oneOf(v, p, s.Method, methods)
			}
		},
		"path": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Path) {
				if msg := checkPath(varRef.ReplaceAllString(s.Path, "x")); msg != "" {
					d.add(v.Line, p, "%s", msg)
				}
				uses(v, p, s.Path)
			}
		},
		"headers": func(v *yaml.Node, p string) {
			var lines map[string]int
			s.Headers, lines = d.strMap(v, p)
			for _, k := range sortedKeys(s.Headers) {
				if msg := checkHeader(k, s.Headers[k]); msg != "" {
					d.add(lines[k], field(p, k), "%s", msg)
				}
				uses(v, field(p, k), s.Headers[k])
			}
		},
		"body": func(v *yaml.Node, p string) {
			if d.str(v, p, &s.Body) {
				uses(v, p, s.Body)
			}
		},
		"think": d.durationAtLeast(&s.Think, 0, true),
		"capture": func(v *yaml.Node, p string) {
			s.Capture = d.captures(v, p)
		},
		"expect": func(v *yaml.Node, p string) {
			s.Expect = &Expect{}
			d.mapping(v, p, fields{
				"status": func(sv *yaml.Node, sp string) {
					if d.integer(sv, sp, &s.Expect.Status) && (s.Expect.Status < 100 || s.Expect.Status > 599) {
						d.add(sv.Line, sp, "must be an HTTP status between 100 and 599, got %d", s.Expect.Status)
					}
				},
			})
		},
	})
	if present == nil {
		return
	}
	if _, ok := present["name"]; !ok {
		d.add(line(n), field(path, "name"), "required: names the step in results")
	}
	if _, ok := present["path"]; !ok {
		d.add(line(n), field(path, "path"), "required: the request path, e.g. /me")
	}
	for k := range s.Capture {
		defined[k] = true
	}
}

// captures decodes a mapping of capture names to captures.
func (d *decoder) captures(n *yaml.Node, path string) map[string]Capture {
	r := resolve(n)
	if r == nil || r.Kind != yaml.MappingNode {
		d.add(line(n), path, "must be a mapping of names to captures, like {session: {cookie: sid}}, got %s", describe(n))
		return nil
	}
	out := map[string]Capture{}
	for _, e := range entries(r, 0) {
		k := e.key
		p := field(path, k.Value)
		if _, dup := out[k.Value]; dup {
			d.add(k.Line, p, "set twice")
			continue
		}
		if k.Kind != yaml.ScalarNode || !varName.MatchString(k.Value) {
			d.add(k.Line, p, "is not a valid capture name (letters, digits and _, not starting with a digit)")
		}
		out[k.Value] = d.capture(e.value, p)
	}
	return out
}

// capture decodes one capture: exactly one source.
func (d *decoder) capture(n *yaml.Node, path string) Capture {
	var c Capture
	present := d.mapping(n, path, fields{
		"cookie": func(v *yaml.Node, p string) { d.nonBlank(v, p, &c.Cookie) },
		"header": func(v *yaml.Node, p string) { d.nonBlank(v, p, &c.Header) },
		"json":   func(v *yaml.Node, p string) { d.nonBlank(v, p, &c.JSON) },
		"regex": func(v *yaml.Node, p string) {
			if d.nonBlank(v, p, &c.Regex) {
				if _, err := regexp.Compile(c.Regex); err != nil {
					d.add(v.Line, p, "is not a valid regular expression: %v", err)
				}
			}
		},
	})
	if present != nil && len(present) != 1 {
		d.add(line(n), path, "needs exactly one of %s, got %d", strings.Join(flowSources, ", "), len(present))
	}
	return c
}

// nonBlank decodes a string that must not be blank.
func (d *decoder) nonBlank(v *yaml.Node, p string, dst *string) bool {
	if d.str(v, p, dst) && strings.TrimSpace(*dst) == "" {
		d.add(v.Line, p, "must not be blank")
		return false
	}
	return *dst != ""
}

// requestsOrFlows checks that the scenario has exactly one of requests and
// flows, and that flows come with an open-model rate.
func (d *decoder) requestsOrFlows(root *yaml.Node, present map[string]*yaml.Node, s *Scenario) {
	req, hasReq := present["requests"]
	fl, hasFlows := present["flows"]
	switch {
	case hasReq && hasFlows:
		d.add(fl.Line, "flows", "cannot be combined with requests (line %d): a scenario sends either single requests or flows", req.Line)
	case !hasReq && !hasFlows:
		d.add(root.Line, "requests", "required: the requests to send, e.g. [{path: /}] (or flows: request sequences)")
	case hasFlows:
		if l, ok := present["load"]; ok && (len(s.Load.Concurrency) > 0 || s.Load.Ramp != nil) {
			d.add(l.Line, "load", "flows start at a rate (flows per second): use rate or steps, not concurrency or ramp")
		}
	}
}
