// Package db serves the reference app's PostgreSQL endpoints for the
// database topologies (db-primary, db-replicas, db-sharded, and cached /
// nocache with `database: postgres`):
//
//	GET  /user/{id|random}  one user row, from the node Options.ReadFrom picks
//	POST /user/{id|random}  update the row on its primary and bump its version
//	GET  /users/top         the ten highest scores across every row of every
//	                        shard (a fan-out to each shard, merged here)
//	GET  /db/stats          the instance's pool figures as JSON (Stats)
//
// It sits inside `scalebench serve --mode db` (or cached / nocache with
// --pg-primary set). Each node gets its own pgx pool of Options.PoolSize
// connections. Keys are routed to shards by Route (a hash of the id); with
// replicas, reads go round-robin over them (read_from: replicas), to the
// primary, or over both (all). With Options.Redis set, reads are
// cache-aside through Redis and writes delete the cached entry.
//
// New seeds the dataset (Options.Rows users, each on the shard Route names)
// under an advisory lock, so several instances starting together seed once.
// Every response carries the headers of targets/dbmeter, which the
// orchestrator reads; this package knows nothing of it.
package db
