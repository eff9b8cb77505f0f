// Package cache is the reference app's cache-aside endpoint, GET /user/{id}:
// read Redis; on a miss read the simulated database (package simdb), then
// `SET user:{id} … EX ttl`. In "nocache" mode every request reads the
// database, which is the baseline the cache is compared with.
//
// Key popularity is decided in one place, here on the server: the load
// generator asks for /user/random and the handler draws the id from the
// configured distribution (uniform, or Zipf with parameter s over a key
// space of Options.Keys ids; id 0 is the most popular). Explicit ids
// (/user/42) are served as given, for users who want to drive popularity
// themselves.
//
// Every response carries measurement headers, so the load generator can
// aggregate them per step without a side channel (see cachemeter.Meter):
//
//	X-Scalebench-Cache:      hit | miss | bypass (nocache) | error (Redis failed)
//	X-Scalebench-DB-Call:    1 when the request queried the database, else 0
//	X-Scalebench-DB-Wait-Us: µs spent waiting for a database connection
//
// Redis is reached through go-redis with a bounded pool and short
// timeouts: when Redis is down a request fails with 503 within about
// Options.RedisTimeout, never hangs.
package cache
