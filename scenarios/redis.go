package scenarios

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/targets/latency"
)

// Cache configures the cache-aside topologies (nocache, cached): the
// simulated database and the keys asked for. Unset fields keep the
// reference app's defaults.
type Cache struct {
	// DBLatency is the database query latency, e.g. "fixed:5ms" (default).
	DBLatency string `yaml:"db_latency" json:"db_latency"`
	// DBPool is the database connections per instance (default 10).
	DBPool int `yaml:"db_pool" json:"db_pool"`
	// Keys is the number of distinct users GET /user/random draws from (default 10000).
	Keys int `yaml:"keys" json:"keys"`
	// Popularity is "zipf" (default: a few hot keys) or "uniform".
	Popularity string `yaml:"popularity" json:"popularity"`
	// ZipfS is Zipf's s, > 1 (default 1.1; larger: hotter hot keys).
	ZipfS float64 `yaml:"zipf_s" json:"zipf_s"`
	// TTL is how long a cached entry lives (default 60s).
	TTL Duration `yaml:"ttl" json:"ttl"`
}

// Queue configures the queue topologies (queue, sync): the job and, for
// queue, the worker processes.
type Queue struct {
	// Workers is the number of worker processes (queue only; default 2).
	Workers int `yaml:"workers" json:"workers"`
	// Work is the default job's kind: "cpu" (default) or "io".
	Work string `yaml:"work" json:"work"`
	// Duration is the default job's length (default 20ms).
	Duration Duration `yaml:"duration" json:"duration"`
	// MaxDepth refuses jobs with 503 beyond this many queued (default 10000; 0: unbounded).
	MaxDepth *int `yaml:"max_depth" json:"max_depth"`
}

// AppArgs returns the `scalebench serve` flags for c.
func (c *Cache) AppArgs() []string {
	if c == nil {
		return nil
	}
	var out []string
	if c.DBLatency != "" {
		out = append(out, "--db-latency", c.DBLatency)
	}
	if c.DBPool > 0 {
		out = append(out, "--db-pool", strconv.Itoa(c.DBPool))
	}
	if c.Keys > 0 {
		out = append(out, "--keys", strconv.Itoa(c.Keys))
	}
	if c.Popularity != "" {
		out = append(out, "--popularity", c.Popularity)
	}
	if c.ZipfS > 0 {
		out = append(out, "--zipf-s", strconv.FormatFloat(c.ZipfS, 'g', -1, 64))
	}
	if c.TTL > 0 {
		out = append(out, "--cache-ttl", c.TTL.String())
	}
	return out
}

// AppArgs returns the `scalebench serve` flags for q.
func (q *Queue) AppArgs() []string {
	if q == nil {
		return nil
	}
	var out []string
	if q.Work != "" {
		out = append(out, "--job-work", q.Work)
	}
	if q.Duration > 0 {
		out = append(out, "--job-duration", q.Duration.String())
	}
	if q.MaxDepth != nil {
		out = append(out, "--queue-max-depth", strconv.Itoa(*q.MaxDepth))
	}
	return out
}

// cache decodes a target's cache section.
func (d *decoder) cache(n *yaml.Node, path string) *Cache {
	c := &Cache{}
	d.mapping(n, path, fields{
		"db_latency": func(v *yaml.Node, p string) {
			if d.str(v, p, &c.DBLatency) {
				if _, err := latency.Parse(c.DBLatency); err != nil {
					d.add(v.Line, p, "%v (want e.g. fixed:5ms, uniform:2ms,8ms or lognormal:5ms,50ms)", err)
				}
			}
		},
		"db_pool": d.intAtLeast(&c.DBPool, 1, "connections per instance"),
		"keys":    d.intAtLeast(&c.Keys, 1, ""),
		"popularity": func(v *yaml.Node, p string) {
			if d.str(v, p, &c.Popularity) {
				d.oneOf(v, p, c.Popularity, []string{"zipf", "uniform"})
			}
		},
		"zipf_s": func(v *yaml.Node, p string) {
			if d.number(v, p, &c.ZipfS) && !(c.ZipfS > 1) {
				d.add(v.Line, p, "must be > 1, got %v", c.ZipfS)
			}
		},
		"ttl": func(v *yaml.Node, p string) {
			if d.duration(v, p, &c.TTL) && c.TTL.D() < 1e9 {
				d.add(v.Line, p, "must be ≥ 1s, got %v", c.TTL)
			}
		},
	})
	return c
}

// queue decodes a target's queue section; topology says whether workers
// apply.
func (d *decoder) queue(n *yaml.Node, path, topology string) *Queue {
	q := &Queue{}
	d.mapping(n, path, fields{
		"workers": func(v *yaml.Node, p string) {
			d.instances(&q.Workers)(v, p)
			if topology == "sync" {
				d.add(v.Line, p, "not used by topology \"sync\" (the work runs inside the request; there are no workers)")
			}
		},
		"work": func(v *yaml.Node, p string) {
			if d.str(v, p, &q.Work) {
				d.oneOf(v, p, q.Work, []string{"cpu", "io"})
			}
		},
		"duration": func(v *yaml.Node, p string) {
			if d.durationAtLeast(&q.Duration, 0, false)(v, p); q.Duration.D() > 60e9 {
				d.add(v.Line, p, "must be ≤ 1m, got %v", q.Duration)
			}
		},
		"max_depth": d.intPtrAtLeast(&q.MaxDepth, 0, "0 = unbounded"),
	})
	return q
}
