package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Node is one service of a call graph, as `serve --service-graph` takes it
// (JSON).
type Node struct {
	// CPUUs is the CPU work of one request, in microseconds.
	CPUUs int64 `json:"cpu_us,omitempty"`
	// DBUs is the wait of one simulated database call per request (0: none).
	DBUs int64 `json:"db_us,omitempty"`
	// Calls are the services called per request, in order.
	Calls []string `json:"calls,omitempty"`
	// Queue is true when the service is consumed from a Redis Stream
	// (`via: queue`): callers enqueue and do not wait.
	Queue bool `json:"queue,omitempty"`
	// External is true for the user's own service (`command:`): it is
	// called over HTTP at Path, and its figures are not known here.
	External bool `json:"external,omitempty"`
	// Path is the path callers request (default /api/NAME).
	Path string `json:"path,omitempty"`
}

// Graph is the services of a target by name.
type Graph map[string]Node

// ParseGraph decodes and checks a graph given as JSON.
func ParseGraph(s string) (Graph, error) {
	var g Graph
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		return nil, fmt.Errorf("service graph: %w", err)
	}
	return g, g.Validate()
}

// JSON is g as ParseGraph reads it.
func (g Graph) JSON() string {
	b, _ := json.Marshal(g) // a map of plain structs always encodes
	return string(b)
}

// Names are the services in name order.
func (g Graph) Names() []string {
	out := make([]string, 0, len(g))
	for n := range g {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// PathOf is the path callers request service name at.
func (g Graph) PathOf(name string) string {
	if p := g[name].Path; p != "" {
		return p
	}
	return "/api/" + name
}

// Validate returns every problem with g: unknown callees, cycles, bad
// work figures.
func (g Graph) Validate() error {
	var errs []error
	for _, n := range g.Names() {
		node := g[n]
		if node.CPUUs < 0 || time.Duration(node.CPUUs)*time.Microsecond > MaxCPU {
			errs = append(errs, fmt.Errorf("service %s: cpu %dµs: must be between 0 and %s", n, node.CPUUs, MaxCPU))
		}
		if node.DBUs < 0 || time.Duration(node.DBUs)*time.Microsecond > MaxCPU {
			errs = append(errs, fmt.Errorf("service %s: db %dµs: must be between 0 and %s", n, node.DBUs, MaxCPU))
		}
		for _, c := range node.Calls {
			if _, ok := g[c]; !ok {
				errs = append(errs, fmt.Errorf("service %s: calls unknown service %q", n, c))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if _, err := g.Order(); err != nil {
		return err
	}
	return nil
}

// Order lists the services callees first, so each can be started once
// every service it calls is up; it fails on a call cycle.
func (g Graph) Order() ([]string, error) {
	const (
		unseen = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []string
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case visiting:
			return fmt.Errorf("service graph: call cycle %v", append(path, n))
		case done:
			return nil
		}
		state[n] = visiting
		for _, c := range g[n].Calls {
			if err := visit(c, append(slices.Clone(path), n)); err != nil {
				return err
			}
		}
		state[n] = done
		out = append(out, n)
		return nil
	}
	for _, n := range g.Names() {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Fanout is how many requests (or jobs) one entry request causes at each
// service reachable from entry: the expected accounting of a step.
func (g Graph) Fanout(entry string) map[string]int {
	out := map[string]int{}
	var walk func(n string)
	walk = func(n string) {
		out[n]++
		for _, c := range g[n].Calls {
			walk(c)
		}
	}
	if _, ok := g[entry]; ok {
		walk(entry)
	}
	return out
}

// MaxCPU bounds one service's CPU work (and database wait) per request.
const MaxCPU = 10 * time.Second
