// Package postgres runs real PostgreSQL servers (Debian's PostgreSQL 15
// binaries) for the database topologies (db-primary, db-replicas,
// db-sharded) and for tests, the way targets/redis runs redis-server.
//
// In the flow it sits beside the drivers (targets/process): a driver calls
// Start for a primary (initdb, then postgres in the foreground) or, with
// Options.Primary set, for a streaming replica (pg_basebackup -R -X
// stream from the primary, then postgres), passes Server.DSN to the app
// instances, watches Server.Err for an unexpected exit, and calls
// Server.Stop on every path (fast shutdown, SIGKILL to the process group
// after a grace period, data folder removed).
//
// Each server has a private work folder holding its data folder, its
// Unix-socket folder and its log, listens on its own loopback port and
// reads no system configuration (Debian's /etc/postgresql cluster is not
// touched). PostgreSQL refuses to run as root: when scalebench runs as
// root, initdb, pg_basebackup and postgres run as the `postgres` OS user
// (SysProcAttr.Credential) and the work folder is owned by it.
//
// Durability is a setting, recorded by Settings: by default fsync,
// synchronous_commit and full_page_writes are off (a benchmark of the
// tier's shape, not of the disk); Options.Durable turns them on.
package postgres
