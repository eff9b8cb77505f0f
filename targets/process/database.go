package process

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/postgres"
)

// pgNode is one PostgreSQL server of a deployment.
type pgNode struct {
	name string
	srv  *postgres.Server
}

// startDatabase starts the layout's PostgreSQL nodes — the primaries (one
// per shard) at once, then the replicas of the first from it — and
// records each one's DSN in addrs for the app flags naming them. Every
// node gets the instance budget mechanism (its own cgroup) and the target
// CPUs.
func (dep *Deployment) startDatabase(ctx context.Context, l targets.Layout, addrs map[string]string) error {
	var primaries, replicas []targets.DatabaseNode
	for _, c := range l.Components {
		switch {
		case c.Role != targets.RolePostgres:
		case c.Primary == "":
			primaries = append(primaries, *c.Node)
		default:
			replicas = append(replicas, *c.Node)
		}
	}
	if err := dep.startNodes(ctx, primaries, ""); err != nil {
		return err
	}
	if len(replicas) > 0 {
		if err := dep.startNodes(ctx, replicas, dep.pgNodes()[0].srv.Addr()); err != nil {
			return err
		}
	}
	for _, n := range dep.pgNodes() {
		addrs["pg-"+n.name] = n.srv.DSN()
	}
	dep.noteDatabase()
	return nil
}

// startNodes starts nodes in parallel (replicas of primary when set).
func (dep *Deployment) startNodes(ctx context.Context, nodes []targets.DatabaseNode, primary string) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { errs[i] = dep.startNode(ctx, n.Name, primary) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startNode starts one node and records it before confining it, so Down
// stops it whatever happens next.
func (dep *Deployment) startNode(ctx context.Context, name, primary string) error {
	srv, err := postgres.Start(ctx, postgres.Options{Name: name, Primary: primary, Durable: dep.spec.Database.Durable})
	if err != nil {
		return fmt.Errorf("postgres %s: %w", name, err)
	}
	dep.mu.Lock()
	dep.pg = append(dep.pg, &pgNode{name: name, srv: srv})
	sort.Slice(dep.pg, func(i, j int) bool { return nodeOrder(dep.pg[i].name) < nodeOrder(dep.pg[j].name) })
	dep.mu.Unlock()
	dep.confine("postgres-"+name, srv.PID())
	return nil
}

// nodeOrder sorts primary, shards, then replicas, each by number.
func nodeOrder(name string) string {
	if name == "primary" {
		return "0"
	}
	if strings.HasPrefix(name, "shard-") {
		return fmt.Sprintf("1%04s", strings.TrimPrefix(name, "shard-"))
	}
	return fmt.Sprintf("2%04s", strings.TrimPrefix(name, "replica-"))
}

// confine puts a running server's whole process tree into component's
// cgroup (with the node budget) and onto the target CPUs; processes it
// forks later inherit both.
func (dep *Deployment) confine(component string, pid int) {
	pids := treePIDs(pid)
	if b := dep.spec.Database.CPUBudget; b > 0 {
		for _, dir := range dep.cgroupDirs(component, limits{cpus: b}) {
			for _, p := range pids {
				if err := app.JoinCgroup(dir, p); err != nil && !gone(err) {
					dep.budgetFailed(err)
				}
			}
		}
	}
	if cpus := dep.driver.targetCPUs; len(cpus) > 0 {
		for _, p := range pids {
			if err := pinPID(p, cpus); err != nil && !gone(err) {
				dep.driver.warn("%s not pinned to the target CPUs: %v", component, err)
			}
		}
	}
}

// gone reports whether err says the process has exited meanwhile (a
// short-lived child of the postmaster).
func gone(err error) bool {
	return errors.Is(err, syscall.ESRCH) || errors.Is(err, fs.ErrNotExist)
}

// treePIDs lists pid and its descendants.
func treePIDs(pid int) []int {
	stats, err := allStats()
	if err != nil {
		return []int{pid}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		for p, st := range stats {
			if st.PPID == out[i] {
				out = append(out, p)
			}
		}
	}
	return out
}

// noteDatabase records the nodes, their version and durability settings.
func (dep *Deployment) noteDatabase() {
	nodes := dep.pgNodes()
	if len(nodes) == 0 {
		return
	}
	s := nodes[0].srv
	set := s.Settings()
	durability := fmt.Sprintf("fsync=%s synchronous_commit=%s full_page_writes=%s", set["fsync"], set["synchronous_commit"], set["full_page_writes"])
	dep.mu.Lock()
	if dep.info.Components == nil {
		dep.info.Components = map[string]string{}
	}
	dep.info.Components["postgres"] = s.Version()
	dep.info.Components["postgres_durability"] = durability
	for _, n := range nodes {
		dep.info.Notes = append(dep.info.Notes, fmt.Sprintf("postgres %s %s (%s) on %s, %s", s.Version(), n.name, n.srv.Role(), n.srv.Addr(), durability))
	}
	dep.mu.Unlock()
	dep.driver.noteComponent("postgres", s.Version())
	dep.driver.noteComponent("postgres_durability", durability)
}

// pgNodes is a copy of the deployment's PostgreSQL nodes.
func (dep *Deployment) pgNodes() []*pgNode {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return append([]*pgNode(nil), dep.pg...)
}

// DatabaseNodes lists the running PostgreSQL nodes.
func (dep *Deployment) DatabaseNodes() []targets.DatabaseNode {
	var out []targets.DatabaseNode
	for _, n := range dep.pgNodes() {
		out = append(out, targets.DatabaseNode{Name: n.name, Role: n.srv.Role(), DSN: n.srv.DSN()})
	}
	return out
}

// NodeUsage is one node's cumulative CPU time and memory (its whole
// process tree: postmaster, backends, WAL sender/receiver).
func (dep *Deployment) NodeUsage(_ context.Context, name string) (targets.Usage, error) {
	for _, n := range dep.pgNodes() {
		if n.name == name {
			cpu, rss, err := treeUsage([]int{n.srv.PID()})
			return targets.Usage{CPUSeconds: cpu, RSSBytes: rss}, err
		}
	}
	return targets.Usage{}, fmt.Errorf("no PostgreSQL node %q", name)
}

// DatabaseErr is non-nil once a node exited unexpectedly.
func (dep *Deployment) DatabaseErr() error {
	for _, n := range dep.pgNodes() {
		if err := n.srv.Err(); err != nil {
			return fmt.Errorf("%s: %w", n.name, err)
		}
	}
	return nil
}

// databaseUsage adds the nodes' resource use to u.
func (dep *Deployment) databaseUsage(u targets.Usage) targets.Usage {
	var roots []int
	for _, n := range dep.pgNodes() {
		if n.srv.Err() == nil {
			roots = append(roots, n.srv.PID())
		}
	}
	if len(roots) == 0 {
		return u
	}
	if cpu, rss, err := treeUsage(roots); err == nil {
		u.CPUSeconds += cpu
		u.RSSBytes += rss
	}
	return u
}

// databaseLogs adds each node's log tail to out.
func (dep *Deployment) databaseLogs(out map[string]string) {
	for _, n := range dep.pgNodes() {
		out["postgres-"+n.name] = n.srv.LogTail()
	}
}

// stopDatabase stops the nodes (after the instances), replicas first.
func (dep *Deployment) stopDatabase(ctx context.Context) error {
	nodes := dep.pgNodes()
	var errs []error
	for i := len(nodes) - 1; i >= 0; i-- {
		if err := nodes[i].srv.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop postgres %s: %w", nodes[i].name, err))
		}
	}
	return errors.Join(errs...)
}

// notePostgres records the installed PostgreSQL's version for the
// environment before (or without) a target using it.
func (d *Driver) notePostgres() {
	d.mu.Lock()
	_, known := d.components["postgres"]
	d.mu.Unlock()
	if !known {
		if v := postgres.InstalledVersion(); v != "" {
			d.noteComponent("postgres", v)
		}
	}
}
