package scenarios

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/secrets"
)

// Resolve returns a copy of s whose ${env:NAME} references (in request,
// flow and WebSocket header values, bodies and paths, target URLs and env)
// hold the environment's values, for the load generator and the drivers,
// and a Redactor that knows every secret of the scenario: those values,
// the values of secret headers, URL passwords, token-like query values and
// target env values. s itself, which is what is stored, stays unexpanded.
// A variable unset since validation is an error naming it.
func Resolve(s *Scenario) (*Scenario, *secrets.Redactor, error) {
	r := &resolver{red: &secrets.Redactor{}, extra: s.SecretHeaders}
	c := *s
	c.Requests = slices.Clone(s.Requests)
	for i := range c.Requests {
		q := &c.Requests[i]
		q.Path, q.Body, q.Headers = r.path(q.Path), r.value(q.Body), r.headers(q.Headers)
	}
	c.Flows = slices.Clone(s.Flows)
	for i := range c.Flows {
		c.Flows[i].Steps = slices.Clone(c.Flows[i].Steps)
		for j := range c.Flows[i].Steps {
			st := &c.Flows[i].Steps[j]
			st.Path, st.Body, st.Headers = r.path(st.Path), r.value(st.Body), r.headers(st.Headers)
		}
	}
	if s.WebSocket != nil {
		ws := *s.WebSocket
		ws.Path, ws.Headers = r.path(ws.Path), r.headers(ws.Headers)
		c.WebSocket = &ws
	}
	c.Targets = slices.Clone(s.Targets)
	for i := range c.Targets {
		t := &c.Targets[i]
		t.URL = r.url(t.URL)
		t.Env = maps.Clone(t.Env)
		for k, v := range t.Env {
			t.Env[k] = r.value(v)
			// Literal env values are mostly settings ("production",
			// "true"): the scenario text redacts them where they sit, and
			// only credential-length ones are hunted down everywhere.
			if len(t.Env[k]) >= minEnvSecret {
				r.red.Add(t.Env[k])
			}
		}
	}
	if len(r.missing) > 0 {
		return nil, nil, fmt.Errorf("%s: environment variables not set: %s (they were when the scenario was validated)", s.Source, strings.Join(r.missing, ", "))
	}
	return &c, r.red, nil
}

// minEnvSecret is the shortest literal env value replaced wherever it
// appears (see Resolve).
const minEnvSecret = 8

// resolver expands values and remembers what is secret.
type resolver struct {
	red     *secrets.Redactor
	extra   []string
	missing []string
}

// value expands v; what came from the environment is secret.
func (r *resolver) value(v string) string {
	if !secrets.HasRefs(v) {
		return v
	}
	out, missing := secrets.Expand(v, func(name string) (string, bool) {
		val, ok := lookupEnv(name)
		if ok {
			r.red.Add(val)
		}
		return val, ok
	})
	for _, m := range missing {
		if !slices.Contains(r.missing, m) {
			r.missing = append(r.missing, m)
		}
	}
	return out
}

// secret expands v and marks all of it secret.
func (r *resolver) secret(v string) string {
	out := r.value(v)
	r.red.Add(out)
	if !secrets.OnlyRefs(v) {
		r.red.Add(v)
	}
	return out
}

func (r *resolver) headers(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if secrets.IsSecretHeader(k, r.extra) {
			out[k] = r.secret(v)
			// "Bearer abc123": the credential alone may show up too.
			if _, cred, ok := strings.Cut(out[k], " "); ok {
				r.red.Add(cred)
			}
			continue
		}
		out[k] = r.value(v)
	}
	return out
}

// path expands a path and query and marks token-like query values secret.
func (r *resolver) path(p string) string {
	out := r.value(p)
	r.querySecrets(out)
	return out
}

// url expands a target URL and marks its password secret.
func (r *resolver) url(u string) string {
	out := r.value(u)
	if i, j := strings.Index(out, "://"), strings.LastIndex(out, "@"); i >= 0 && j > i {
		if _, pw, ok := strings.Cut(out[i+3:j], ":"); ok {
			r.red.Add(pw)
		}
	}
	r.querySecrets(out)
	return out
}

func (r *resolver) querySecrets(p string) {
	_, q, ok := strings.Cut(p, "?")
	if !ok {
		return
	}
	for _, part := range strings.Split(q, "&") {
		if k, v, ok := strings.Cut(part, "="); ok && secrets.IsSecretParam(k) {
			r.red.Add(v)
		}
	}
}

// RedactedYAML returns the scenario text with every secret written in it
// replaced by [redacted] where it sits: secret header values, target env
// values, URL passwords and token-like query values. ${env:NAME}
// references are kept (they hold no secret). The text is otherwise
// unchanged, comments and layout included.
func (s *Scenario) RedactedYAML() string {
	var doc yaml.Node
	if err := yaml.Unmarshal(s.Raw, &doc); err != nil || len(doc.Content) == 0 {
		return string(s.Raw)
	}
	e := &yamlEdits{lines: strings.Split(string(s.Raw), "\n"), extra: s.SecretHeaders}
	e.walk(doc.Content[0], "")
	return strings.Join(e.lines, "\n")
}

// yamlEdits replaces scalars in the source lines, where the nodes say
// they are.
type yamlEdits struct {
	lines []string
	extra []string
}

// walk visits n, whose key in its parent mapping is key.
func (e *yamlEdits) walk(n *yaml.Node, key string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case key == "headers" && v.Kind == yaml.ScalarNode && secrets.IsSecretHeader(k.Value, e.extra) && !secrets.OnlyRefs(v.Value):
				e.set(v, secrets.Redacted)
			case key == "env" && v.Kind == yaml.ScalarNode && !secrets.OnlyRefs(v.Value):
				e.set(v, secrets.Redacted)
			case (k.Value == "url" || k.Value == "path") && v.Kind == yaml.ScalarNode:
				if red := secrets.URL(v.Value); red != v.Value {
					e.set(v, red)
				}
			default:
				e.walk(v, k.Value)
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			e.walk(c, key)
		}
	}
}

// set replaces the scalar n in the source with value, double-quoted. A
// scalar the source does not show on one line as parsed (a block scalar)
// has its whole line replaced.
func (e *yamlEdits) set(n *yaml.Node, value string) {
	li, col := n.Line-1, n.Column-1
	if li < 0 || li >= len(e.lines) || col < 0 || col > len(e.lines[li]) {
		return
	}
	line := e.lines[li]
	end := scalarEnd(line, col, n)
	if end < 0 {
		e.lines[li] = line[:col] + strconv.Quote(value)
		for k := li + 1; k < len(e.lines) && indent(e.lines[k]) > indent(line); k++ {
			e.lines[k] = ""
		}
		return
	}
	e.lines[li] = line[:col] + strconv.Quote(value) + line[end:]
}

// scalarEnd returns where the scalar n that starts at col of line ends, or
// -1 when it does not end on this line.
func scalarEnd(line string, col int, n *yaml.Node) int {
	rest := line[col:]
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return col + i + 1
			}
		}
	case yaml.SingleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return col + i + 1
			}
		}
	case 0:
		if strings.HasPrefix(rest, n.Value) {
			return col + len(n.Value)
		}
	}
	return -1
}

func indent(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
