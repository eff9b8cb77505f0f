package scenarios

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Database configures the PostgreSQL tier of the database topologies
// (db-primary, db-replicas, db-sharded; cached and nocache with
// `database: postgres`): the `db` section of a target. Zero fields keep
// the defaults.
type Database struct {
	// Rows is the number of users seeded (default 10000).
	Rows int `yaml:"rows" json:"rows"`
	// Pool is the pgx pool size per node in each app instance (default 10).
	Pool int `yaml:"pool" json:"pool"`
	// CPUBudget is CPUs per PostgreSQL node (default: the instance budget).
	CPUBudget *float64 `yaml:"cpu_budget" json:"cpu_budget,omitempty"`
	// Durable turns fsync, synchronous_commit and full_page_writes on.
	Durable bool `yaml:"durable" json:"durable"`
}

// Values of Target.Database and Target.ReadFrom.
var (
	databases = []string{"simulated", "postgres"}
	readFroms = []string{"replicas", "primary", "all"}
)

// Bounds of the database tier's sizes.
const (
	maxDBReplicas = 8
	maxShards     = 16
)

// UsesPostgres reports whether the target runs a PostgreSQL tier: a db-*
// topology, or cached/nocache with database: postgres.
func (t Target) UsesPostgres() bool {
	switch t.Topology {
	case "db-primary", "db-replicas", "db-sharded":
		return true
	case "cached", "nocache":
		return t.Database == "postgres"
	}
	return false
}

// databaseFields are the target fields of the database tier.
func (d *decoder) databaseFields(t *Target) fields {
	return fields{
		"db_replicas": func(v *yaml.Node, p string) {
			if d.integer(v, p, &t.DBReplicas) && (t.DBReplicas < 1 || t.DBReplicas > maxDBReplicas) {
				d.add(v.Line, p, "must be ≥ 1 and ≤ %d streaming replicas, got %d", maxDBReplicas, t.DBReplicas)
			}
		},
		"shards": func(v *yaml.Node, p string) {
			if d.integer(v, p, &t.Shards) && (t.Shards < 2 || t.Shards > maxShards) {
				d.add(v.Line, p, "must be ≥ 2 and ≤ %d primaries (one shard is topology db-primary), got %d", maxShards, t.Shards)
			}
		},
		"read_from": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.ReadFrom) {
				d.oneOf(v, p, t.ReadFrom, readFroms)
			}
		},
		"database": func(v *yaml.Node, p string) {
			if d.str(v, p, &t.Database) {
				d.oneOf(v, p, t.Database, databases)
			}
		},
		"db":      func(v *yaml.Node, p string) { t.DB = d.database(v, p) },
		"weights": func(v *yaml.Node, p string) { d.weights(v, p, t) },
	}
}

// database decodes a target's db section.
func (d *decoder) database(n *yaml.Node, path string) *Database {
	db := &Database{}
	d.mapping(n, path, fields{
		"rows": func(v *yaml.Node, p string) {
			if d.intAtLeast(&db.Rows, 10, "users seeded")(v, p); db.Rows > 10_000_000 {
				d.add(v.Line, p, "must be ≤ 10000000, got %d", db.Rows)
			}
		},
		"pool": d.intAtLeast(&db.Pool, 1, "connections per node and instance"),
		"cpu_budget": func(v *yaml.Node, p string) {
			var x float64
			if d.number(v, p, &x) && x < 0 {
				d.add(v.Line, p, "must be ≥ 0 (CPUs per PostgreSQL node; 0 = no budget), got %v", x)
			}
			db.CPUBudget = &x
		},
		"durable": func(v *yaml.Node, p string) { d.boolean(v, p, &db.Durable) },
	})
	return db
}

// weights decodes a target's weights: request name → weight.
func (d *decoder) weights(n *yaml.Node, path string, t *Target) {
	m, lines := d.strMap(n, path)
	t.Weights, t.WeightLines = map[string]int{}, lines
	for _, k := range sortedKeys(m) {
		w, err := strconv.Atoi(m[k])
		if err != nil || w < 0 {
			d.add(lines[k], field(path, k), "must be a whole number ≥ 0, got %q", m[k])
			continue
		}
		t.Weights[k] = w
	}
}

// checkDatabase refuses database fields that do not fit the target.
func (d *decoder) checkDatabase(t *Target, present map[string]*yaml.Node, path string) {
	if t.Topology != "cached" && t.Topology != "nocache" {
		return
	}
	if db, ok := present["db"]; ok && t.Database != "postgres" {
		d.add(db.Line, field(path, "db"), "configures PostgreSQL: set database: postgres on this target (the simulated database takes cache.db_latency and cache.db_pool)")
	}
	if c, ok := present["cache"]; ok && t.Database == "postgres" && t.Cache != nil && (t.Cache.DBLatency != "" || t.Cache.DBPool > 0) {
		d.add(c.Line, field(path, "cache"), "db_latency and db_pool set the simulated database; with database: postgres use db.pool (and measure the real latency)")
	}
}

// checkWeights checks each target's weights against the requests.
func (d *decoder) checkWeights(s *Scenario) {
	names := map[string]bool{}
	for _, r := range s.Requests {
		names[r.Name] = true
	}
	for i, t := range s.Targets {
		if t.Weights == nil {
			continue
		}
		p := fmt.Sprintf("targets[%d].weights", i)
		if len(s.Flows) > 0 || s.WebSocket != nil {
			d.add(t.Line, p, "reweights requests; this scenario has none")
			continue
		}
		sum := 0
		for _, k := range sortedKeys(t.Weights) {
			sum += t.Weights[k]
			if !names[k] {
				d.add(t.WeightLines[k], field(p, k), "no request is named %q (requests: %v)", k, sortedKeys(names))
			}
		}
		if sum == 0 {
			d.add(t.Line, p, "must give at least one request a weight > 0")
		}
	}
}
