// Package redis runs a real redis-server for the Redis-backed topologies
// (cache-aside, queue + workers, Redis sessions) and for tests.
//
// In the flow it sits beside the drivers (targets/process, targets/docker):
// a driver calls Start before the app instances, passes Server.Addr to them
// (`scalebench serve --redis ADDR`), samples it with Server.Sample, watches
// Server.Err for an unexpected exit, and calls Server.Stop on every path.
//
// The server runs in the foreground, in its own process group, on its own
// port (never 6379 unless asked: Debian's package may run a system Redis
// there), bound to loopback, with persistence off:
//
//	redis-server --port P --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir DIR
//
// No configuration file is read, so a system /etc/redis/redis.conf has no
// effect. Find locates the binary on PATH.
package redis
