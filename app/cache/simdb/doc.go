// Package simdb is a simulated database for the cache-aside topology: a
// query holds one of a bounded pool of connections for a latency drawn
// from a configurable distribution, so under load it saturates the way a
// real database behind a connection pool does — queries queue for a
// connection, and the time spent waiting is measured.
//
// It models the application side of a database (the pool each app
// instance holds, like a pg pool of 10), not a shared server: with
// replicas every instance has its own pool.
package simdb
