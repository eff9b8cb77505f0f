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
}

// Catalog lists the built-in topologies in the order `scalebench targets`
// shows them.
var Catalog = []Topology{
	{Name: "single", Summary: "one reference-app instance", Models: "one Node.js process (`node server.js`) on one core", DefaultInstances: 1},
	{Name: "cluster", Summary: "a primary forking N workers that share one listening socket; dead workers are restarted", Models: "Node's cluster module or `pm2 start -i max`", DefaultInstances: 2},
	{Name: "replicas", Summary: "N instances on their own ports behind a balancer (nginx with upstream keepalive, or the built-in Go proxy)", Models: "nginx `upstream` over replicas, or Docker/Compose/Kubernetes replicas behind a load balancer", Balanced: true, DefaultInstances: 2},
}

// Lookup returns the built-in topology called name.
func Lookup(name string) (Topology, bool) {
	for _, t := range Catalog {
		if t.Name == name {
			return t, true
		}
	}
	return Topology{}, false
}
