package scenarios

import "gopkg.in/yaml.v3"

// maxGenerators bounds generators.count.
const maxGenerators = 64

// Generators is the generators section: the load is sent by Count
// generator agents (separate processes or containers) whose results are
// merged exactly (docs/distributed.md). `run --generators N` overrides it.
type Generators struct {
	// Count is the number of agents; each sends every Count-th arrival.
	Count int `yaml:"count" json:"count"`
}

// generators decodes the generators section.
func (d *decoder) generators(n *yaml.Node, path string, g *Generators) {
	present := d.mapping(n, path, fields{
		"count": func(v *yaml.Node, p string) {
			if d.integer(v, p, &g.Count) && (g.Count < 1 || g.Count > maxGenerators) {
				d.add(v.Line, p, "must be between 1 and %d, got %d", maxGenerators, g.Count)
			}
		},
	})
	if present == nil {
		return
	}
	if _, ok := present["count"]; !ok {
		d.add(line(n), path, "count: required (the number of generator agents)")
	}
}

// checkGenerators rejects generators with a scenario kind agents cannot
// send (agents send plain requests).
func (d *decoder) checkGenerators(present map[string]*yaml.Node) {
	g, ok := present["generators"]
	if !ok {
		return
	}
	for _, k := range []string{"websocket", "flows"} {
		if other, has := present[k]; has {
			d.add(g.Line, "generators", "cannot be combined with %s (line %d): generator agents send plain requests only", k, other.Line)
		}
	}
}
