package scenarios

import (
	"fmt"
	"net/url"
)

// Values of load.engine (the same as the load package's engines).
const (
	// EngineAuto picks EngineFast for http:// targets, EngineNetHTTP
	// otherwise (the default).
	EngineAuto = "auto"
	// EngineNetHTTP is vegeta's attacker on net/http.
	EngineNetHTTP = "nethttp"
	// EngineFast is fasthttp's client: HTTP/1.1, http:// only.
	EngineFast = "fast"
)

// Engines lists the values load.engine accepts.
func Engines() []string { return append([]string(nil), engines...) }

// EngineProblems says why engine cannot serve s, nil when it can. Only
// EngineFast has limits: flows keep their cookies in net/http's jar, and
// the fast engine serves plain http:// URL targets only.
func EngineProblems(s *Scenario, engine string) []string {
	if engine != EngineFast {
		return nil
	}
	var out []string
	if len(s.Flows) > 0 {
		out = append(out, "flows always use net/http (each flow keeps its cookies in a jar); use engine auto or nethttp with flows")
	}
	for i, t := range s.Targets {
		if u, err := url.Parse(t.URL); err == nil && t.Kind() == KindURL && u.Scheme == "https" {
			out = append(out, fmt.Sprintf("targets[%d] %q is https://; the fast engine serves plain http:// only (use engine auto or nethttp)", i, t.Name))
		}
	}
	return out
}

// checkEngine refuses a load.engine that cannot serve the scenario.
func (d *decoder) checkEngine(s *Scenario) {
	for _, p := range EngineProblems(s, s.Load.Engine) {
		d.add(s.Load.engineLine, "load.engine", "%s", p)
	}
}
