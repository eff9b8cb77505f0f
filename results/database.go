package results

import "math"

// DatabaseStats are a step's PostgreSQL-tier figures (topologies
// db-primary, db-replicas, db-sharded, and cached/nocache with database:
// postgres). Client-side figures come from the app's response headers
// (targets/dbmeter), server-side ones from sampling each node about
// every 250 ms. Documented field by field in docs/results.md.
type DatabaseStats struct {
	// ReadsPerS and WritesPerS are the database reads and writes the app
	// answered per second (cache hits count as reads served from "cache").
	ReadsPerS  float64 `json:"reads_per_s"`
	WritesPerS float64 `json:"writes_per_s"`
	// PoolWaitMsP99 is the 99th percentile of the app's wait for a pooled
	// connection, in ms.
	PoolWaitMsP99 float64 `json:"pool_wait_ms_p99"`
	// ReplicationLagMs summarises the lag samples of every replica during
	// the step (nil without replicas).
	ReplicationLagMs *LagSummary `json:"replication_lag_ms,omitempty"`
	// StaleReads counts reads that began after the client saw a newer
	// write of the same key acknowledged, yet returned the older version.
	StaleReads uint64 `json:"stale_reads"`
	// ReadsAfterWrite counts the reads that could be stale: those that
	// began after an acknowledged write of the same key.
	ReadsAfterWrite uint64 `json:"reads_after_write"`
	// StaleReadRatio is StaleReads over all keyed reads of the step.
	StaleReadRatio float64 `json:"stale_read_ratio"`
	// StaleReadRatioCI is a 95% Wilson interval on StaleReadRatio
	// (treating reads as independent, so it is optimistic under load).
	StaleReadRatioCI *Interval `json:"stale_read_ratio_ci,omitempty"`
	// Nodes are the per-node figures, primary (or shards) first.
	Nodes []DatabaseNode `json:"nodes"`
	// Lag is the lag of each replica over the step, for charts.
	Lag []LagPoint `json:"lag,omitempty"`
}

// LagSummary summarises replication-lag samples, in ms.
type LagSummary struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	// Samples is the number of samples summarised.
	Samples int `json:"samples"`
}

// DatabaseNode is one PostgreSQL node's figures during a step.
type DatabaseNode struct {
	// Name is "primary", "replica-N" or "shard-N".
	Name string `json:"name"`
	// Role is "primary" or "replica".
	Role string `json:"role"`
	// Reads is the reads of the users table the node served: its index
	// and sequential scans less the one each update makes to find its row
	// (pg_stat_user_tables: idx_scan + seq_scan − n_tup_upd).
	Reads uint64 `json:"reads"`
	// Writes is rows inserted, updated or deleted there (n_tup_ins +
	// n_tup_upd + n_tup_del); on a replica, 0 (it replays, not writes).
	Writes uint64 `json:"writes"`
	// CPUCores is the node's CPU use over the step (CPU-seconds per
	// second; 0 when unknown).
	CPUCores float64 `json:"cpu_cores"`
	// LagMs is a replica's largest replay lag sampled during the step,
	// in ms (0 for a primary).
	LagMs float64 `json:"lag_ms"`
	// LagBytesMax is a replica's largest distance behind the primary's
	// current WAL position (pg_wal_lsn_diff), in bytes.
	LagBytesMax int64 `json:"lag_bytes_max,omitempty"`
}

// LagPoint is one lag sample of one replica.
type LagPoint struct {
	// T is seconds since the step started.
	T float64 `json:"t"`
	// Node is the replica's name.
	Node string `json:"node"`
	// LagMs is the replay lag, in ms.
	LagMs float64 `json:"lag_ms"`
}

// WilsonInterval is the 95% Wilson score interval of a proportion: k
// successes in n trials (treated as independent). n must be > 0.
func WilsonInterval(k, n float64) Interval {
	const z = 1.959964
	p := k / n
	den := 1 + z*z/n
	mid := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	return Interval{math.Max(0, mid-half), math.Min(1, mid+half)}
}
