package flow

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/scalebench/scalebench/netsafe"
)

// Flow is a named sequence of requests.
type Flow struct {
	// Name identifies the flow in results.
	Name string `yaml:"name" json:"name"`
	// Weight is the flow's share of started flows (default 1).
	Weight int `yaml:"weight,omitempty" json:"weight,omitempty"`
	// Steps run in order.
	Steps []Step `yaml:"steps" json:"steps"`
}

// Step is one request of a flow. Path, header values and Body may use
// ${name}: a variable captured by an earlier step, one of Config.Vars, or
// a built-in: ${flow.seq} (the flow instance's number, from 0),
// ${flow.name}, ${flow.rand} (a random number fixed for the instance).
type Step struct {
	// Name identifies the step in results (unique within the flow).
	Name string `yaml:"name" json:"name"`
	// Method is the HTTP method (default GET).
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Path is joined to Config.BaseURL.
	Path string `yaml:"path" json:"path"`
	// Headers are sent with the request.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Body is the request body. When it starts with { or [ and no
	// Content-Type header is given, application/json is sent.
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
	// Think is a pause before this step (after the previous response).
	Think time.Duration `yaml:"think,omitempty" json:"think,omitempty"`
	// Capture maps variable names to where their value comes from.
	Capture map[string]Capture `yaml:"capture,omitempty" json:"capture,omitempty"`
	// Expect is what the response must be; without it any status below
	// 400 passes.
	Expect Expect `yaml:"expect,omitempty" json:"expect,omitempty"`
}

// Capture takes one value from a response; exactly one field is set.
type Capture struct {
	// Cookie is the name of a cookie set by the response (Set-Cookie).
	Cookie string `yaml:"cookie,omitempty" json:"cookie,omitempty"`
	// Header is the name of a response header.
	Header string `yaml:"header,omitempty" json:"header,omitempty"`
	// JSON is a dotted path into a JSON body: "user.id", "items.0.id".
	JSON string `yaml:"json,omitempty" json:"json,omitempty"`
	// Regex is matched against the body; the value is the first group,
	// or the whole match when there is none.
	Regex string `yaml:"regex,omitempty" json:"regex,omitempty"`
}

// Expect is what a response must satisfy.
type Expect struct {
	// Status is the required status code (0: any status below 400).
	Status int `yaml:"status,omitempty" json:"status,omitempty"`
}

// Config is one run of flows against one target.
type Config struct {
	// BaseURL is the target's endpoint, e.g. http://127.0.0.1:8080.
	BaseURL string
	// AllowRemote permits a BaseURL that is not loopback.
	AllowRemote bool
	// Flows to start, picked by weight.
	Flows []Flow
	// Vars are variables every flow can use (e.g. from the scenario).
	Vars map[string]string
	// Rate is flows started per second.
	Rate float64
	// Duration is how long flows are started for; flows in progress at the
	// end are finished (each request is bounded by Timeout).
	Duration time.Duration
	// MaxConcurrent caps the flows in progress (default 256).
	MaxConcurrent int
	// Timeout of one request (default 10s).
	Timeout time.Duration
	// MaxBody is how many bytes of a response body are read for captures
	// (default 1 MiB); the rest is discarded.
	MaxBody int64
	// Seed makes flow picks and ${flow.rand} reproducible (0: random).
	Seed uint64
	// Observe, when set, is given every response's status and headers
	// (a topology's meter: the database tier's stale-read check) before
	// the flow's next step is sent. It is called from many flows at once
	// and must be safe for concurrent use.
	Observe func(code uint16, h http.Header)
}

// Limits that keep a run bounded.
const (
	defaultMaxConcurrent = 256
	defaultTimeout       = 10 * time.Second
	defaultMaxBody       = 1 << 20
	maxFlowsPerRun       = 10_000_000
)

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)

// Validate returns every problem with c, joined; each names its field,
// e.g. "flows[0].steps[1].capture.session: set exactly one of cookie,
// header, json, regex".
func (c Config) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		add("base_url", "want http://HOST:PORT, got %q", c.BaseURL)
	case !c.AllowRemote && !netsafe.IsLoopback(u.Hostname()):
		add("base_url", "%s is not loopback; set allow_remote to load it", u.Hostname())
	}
	if !(c.Rate > 0) {
		add("rate", "must be > 0 flows/s, got %g", c.Rate)
	}
	if c.Duration <= 0 {
		add("duration", "must be > 0")
	} else if c.Rate*c.Duration.Seconds() > maxFlowsPerRun {
		add("rate", "%g flows/s for %s is more than %d flows", c.Rate, c.Duration, maxFlowsPerRun)
	}
	if c.MaxConcurrent < 0 || c.Timeout < 0 || c.MaxBody < 0 {
		add("max_concurrent", "limits must be ≥ 0")
	}
	if len(c.Flows) == 0 {
		add("flows", "at least one flow is needed")
	}
	names := map[string]bool{}
	for i, f := range c.Flows {
		p := fmt.Sprintf("flows[%d]", i)
		if f.Name == "" {
			add(p+".name", "missing")
		} else if names[f.Name] {
			add(p+".name", "%q used twice", f.Name)
		}
		names[f.Name] = true
		if f.Weight < 0 {
			add(p+".weight", "must be ≥ 0, got %d", f.Weight)
		}
		if len(f.Steps) == 0 {
			add(p+".steps", "at least one step is needed")
		}
		errs = append(errs, validateSteps(p, f.Steps, c.Vars)...)
	}
	return errors.Join(errs...)
}

// validateSteps checks each step, and that every ${var} is defined before
// it is used.
func validateSteps(p string, steps []Step, vars map[string]string) []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	known := map[string]bool{"flow.seq": true, "flow.name": true, "flow.rand": true}
	for k := range vars {
		known[k] = true
	}
	stepNames := map[string]bool{}
	for j, s := range steps {
		sp := fmt.Sprintf("%s.steps[%d]", p, j)
		if s.Name == "" {
			add(sp+".name", "missing")
		} else if stepNames[s.Name] {
			add(sp+".name", "%q used twice in this flow", s.Name)
		}
		stepNames[s.Name] = true
		if !strings.HasPrefix(s.Path, "/") {
			add(sp+".path", "must start with /, got %q", s.Path)
		}
		if s.Expect.Status != 0 && (s.Expect.Status < 100 || s.Expect.Status > 599) {
			add(sp+".expect.status", "%d is not an HTTP status", s.Expect.Status)
		}
		if s.Think < 0 {
			add(sp+".think", "must be ≥ 0")
		}
		check := func(field, text string) {
			for _, name := range refs(text) {
				if !known[name] {
					add(sp+"."+field, "${%s} is not captured by an earlier step nor a variable", name)
				}
			}
		}
		check("path", s.Path)
		check("body", s.Body)
		for k, v := range s.Headers {
			check("headers."+k, v)
		}
		for name, c := range s.Capture {
			cp := sp + ".capture." + name
			if !varName.MatchString(name) || strings.HasPrefix(name, "flow.") {
				add(cp, "variable names are letters, digits, _ and . (not flow.*)")
			}
			n := 0
			for _, v := range []string{c.Cookie, c.Header, c.JSON, c.Regex} {
				if v != "" {
					n++
				}
			}
			if n != 1 {
				add(cp, "set exactly one of cookie, header, json, regex")
			}
			if c.Regex != "" {
				if _, err := regexp.Compile(c.Regex); err != nil {
					add(cp+".regex", "%v", err)
				}
			}
		}
		// Captures are usable from the next step on.
		for name := range s.Capture {
			known[name] = true
		}
	}
	return errs
}
