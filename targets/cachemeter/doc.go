// Package cachemeter is the measurement contract between the reference
// app's cache-aside endpoint (app/cache, and the database
// endpoints behind a cache, app/db) and the orchestrator: the
// response headers the app sets on every response and a Meter that reads
// them on the load generator's side, per step. Neither side imports the
// other; both import this (as with targets/dbmeter and
// targets/queuemeter).
package cachemeter
