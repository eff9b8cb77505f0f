package results

// CacheStats are a cache topology's figures for one step (cached and
// nocache, and a database tier behind a cache), aggregated on the load
// generator's side from the reference app's response headers
// (targets/cachemeter).
type CacheStats struct {
	// Hits, Misses, Bypass (nocache: no lookup) and Errors (Redis failed)
	// count responses by their cache outcome.
	Hits   uint64 `json:"hits"`
	Misses uint64 `json:"misses"`
	Bypass uint64 `json:"bypass"`
	Errors uint64 `json:"errors"`
	// HitRatio is Hits / (Hits + Misses); absent with no lookup.
	HitRatio *float64 `json:"hit_ratio,omitempty"`
	// DBCalls counts responses that queried the database; DBCallsPerS
	// over the step's elapsed time.
	DBCalls     uint64  `json:"db_calls"`
	DBCallsPerS float64 `json:"db_calls_per_s"`
	// DBWaitMs is the time waiting for a pooled database connection:
	// mean, p99 and max in ms (zero when nothing waited).
	DBWaitMs DBWait `json:"db_wait_ms"`
}

// DBWait summarises a wait time.
type DBWait struct {
	Mean float64 `json:"mean"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Keys under which results of schema 1.0 kept the cache figures in
// Step.Extra; Read moves them into Step.Cache.
var legacyCacheKeys = struct {
	hits, misses, bypass, errors, hitRatio, dbCalls, dbCallsPerS, waitMean, waitP99, waitMax string
}{"cache_hits", "cache_misses", "cache_bypass", "cache_errors", "cache_hit_ratio", "db_calls",
	"db_calls_per_s", "db_wait_ms_mean", "db_wait_ms_p99", "db_wait_ms_max"}

// upgradeCache moves a 1.0 step's cache figures from Extra into Cache.
func upgradeCache(s *Step) {
	k := legacyCacheKeys
	x := s.Extra
	if s.Cache != nil || x == nil {
		return
	}
	if _, ok := x[k.dbCalls]; !ok {
		if _, ok := x[k.hits]; !ok {
			return
		}
	}
	c := &CacheStats{Hits: uint64(x[k.hits]), Misses: uint64(x[k.misses]), Bypass: uint64(x[k.bypass]),
		Errors: uint64(x[k.errors]), DBCalls: uint64(x[k.dbCalls]), DBCallsPerS: x[k.dbCallsPerS],
		DBWaitMs: DBWait{Mean: x[k.waitMean], P99: x[k.waitP99], Max: x[k.waitMax]}}
	if r, ok := x[k.hitRatio]; ok {
		c.HitRatio = &r
	}
	for _, key := range []string{k.hits, k.misses, k.bypass, k.errors, k.hitRatio, k.dbCalls, k.dbCallsPerS, k.waitMean, k.waitP99, k.waitMax} {
		delete(x, key)
	}
	if len(x) == 0 {
		s.Extra = nil
	}
	s.Cache = c
}
