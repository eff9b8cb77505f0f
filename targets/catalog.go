package targets

// Topology describes a built-in architecture.
type Topology struct {
	// Name is what a scenario writes in `topology:`.
	Name string
	// Summary is one line on what it is.
	Summary string
	// Models says which real-world deployment it stands for.
	Models string
	// Balanced is true when instances sit behind a balancer.
	Balanced bool
	// DefaultInstances is the instance count when the scenario gives none.
	DefaultInstances int
	// AppArgs are `scalebench serve` flags every instance of the topology
	// gets (e.g. --mode cached), before the spec's own AppArgs.
	AppArgs []string
	// Redis names the Redis server the topology needs: "" (none), "cache"
	// (maxmemory with allkeys-lru, what a cache wants) or "store" (no
	// eviction: a queue or a session store must not lose data). A driver
	// starts it before the instances and passes --redis ADDR to each.
	Redis string
	// QueueWorkers is true when the topology runs Spec.QueueWorkers
	// `scalebench worker` processes beside the instances.
	QueueWorkers bool
	// Database names the PostgreSQL tier the topology runs (see
	// database.go): "" (none), "primary", "replicas" or "sharded". A
	// driver starts the nodes of Spec.Database before the instances and
	// passes --pg-primary / --pg-replica DSNs to each.
	Database string
	// Plan, when set, plans the topology's components itself (n is the
	// instance count): for a topology that is more than instances of the
	// app with flags. Nil: the instances with AppArgs, Redis, the
	// PostgreSQL tier, workers and balancer as the fields above say.
	Plan func(l *Layout, spec Spec, n int) error
}

// Catalog lists the built-in topologies in the order `scalebench targets`
// shows them.
var Catalog = []Topology{
	{Name: "single", Summary: "one reference-app instance", Models: "one Node.js process (`node server.js`) on one core", DefaultInstances: 1},
	{Name: "cluster", Summary: "a primary forking N workers that share one listening socket; dead workers are restarted", Models: "Node's cluster module or `pm2 start -i max`", DefaultInstances: 2},
	{Name: "replicas", Summary: "N instances on their own ports behind a balancer (nginx with upstream keepalive, or the built-in Go proxy)", Models: "nginx `upstream` over replicas, or Docker/Compose/Kubernetes replicas behind a load balancer", Balanced: true, DefaultInstances: 2},
	{Name: "ws-redis", Summary: "N replicas behind a balancer whose /ws rooms broadcast through a Redis pub/sub adapter (a redis-server started for the target); single and replicas broadcast locally only", Models: "socket.io with @socket.io/redis-adapter on replicas behind nginx", Balanced: true, DefaultInstances: 2, AppArgs: []string{"--ws-adapter", "redis"}, Redis: "store"},
	{Name: "nocache", Summary: "GET /user/{id} reads a simulated database on every request (the baseline of cached); with replicas, N instances behind a balancer", Models: "an API reading its database for every request", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "nocache"}},
	{Name: "cached", Summary: "cache-aside: GET /user/{id} reads Redis, and on a miss the database, then SET … EX ttl; with replicas, N instances share one Redis", Models: "a Node API with a shared Redis cache in front of its database", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "cached"}, Redis: "cache"},
	{Name: "queue", Summary: "POST /jobs puts the job on a Redis Stream and answers 202; N worker processes do the work", Models: "API → queue (BullMQ, Redis Streams) → worker processes", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "queue"}, Redis: "store", QueueWorkers: true},
	{Name: "sync", Summary: "POST /jobs does the heavy work inside the request (the baseline of queue)", Models: "an API doing heavy work in its request handler", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "sync"}},
	{Name: "sessions-memory", Summary: "POST /login keeps the session in the instance's memory; GET /me fails on any other replica", Models: "express-session with the default MemoryStore behind a round-robin balancer", Balanced: true, DefaultInstances: 2, AppArgs: []string{"--mode", "sessions", "--session-store", "memory"}},
	{Name: "sessions-redis", Summary: "POST /login keeps the session in a shared Redis, so every replica knows every session", Models: "express-session with connect-redis behind a round-robin balancer", Balanced: true, DefaultInstances: 2, AppArgs: []string{"--mode", "sessions", "--session-store", "redis"}, Redis: "store"},
	{Name: "db-primary", Summary: "GET/POST /user/{id} and GET /users/top on one real PostgreSQL primary (the baseline of db-replicas and db-sharded); with replicas, N app instances behind a balancer share it", Models: "an API on one PostgreSQL server", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "db"}, Database: "primary"},
	{Name: "db-replicas", Summary: "a PostgreSQL primary taking the writes and db_replicas streaming replicas (pg_basebackup -R) taking the reads (read_from: replicas|primary|all); replication lag and stale reads measured", Models: "PostgreSQL streaming replication with read replicas (RDS / Cloud SQL read replicas)", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "db"}, Database: "replicas"},
	{Name: "db-sharded", Summary: "shards independent PostgreSQL primaries; the app routes each key by a hash of it, and GET /users/top fans out to every shard and merges", Models: "application-level sharding, or Citus-style distributed tables", Balanced: true, DefaultInstances: 1, AppArgs: []string{"--mode", "db"}, Database: "sharded"},
}

// Register adds a topology to the Catalog. A topology declared in a file
// of its own calls it from that file's init function; `scalebench
// targets` lists it after the built-in ones.
func Register(t Topology) { Catalog = append(Catalog, t) }

// Lookup returns the built-in topology called name.
func Lookup(name string) (Topology, bool) {
	for _, t := range Catalog {
		if t.Name == name {
			return t, true
		}
	}
	return Topology{}, false
}
