package docker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/postgres"
)

const (
	// DefaultPostgresImage is the PostgreSQL image of the database
	// topologies: the official one. fixtures/images/build.sh builds an
	// offline one from Debian's packages (scalebench/postgres:ci).
	DefaultPostgresImage = "postgres:15"
	// EnvPostgresImage overrides DefaultPostgresImage.
	EnvPostgresImage = "SCALEBENCH_POSTGRES_IMAGE"
	// postgresPort is PostgreSQL's port inside its container.
	postgresPort = 5432
	// roleDatabase labels PostgreSQL containers.
	roleDatabase = "postgres"
	// pgData is the data folder inside a PostgreSQL container: a fresh
	// cluster each time, owned by the postgres user the command runs as.
	pgData = "/tmp/pgdata"
	// postgresReadyTimeout bounds the wait for a node's first query.
	postgresReadyTimeout = 60 * time.Second
)

// pgCommand is a node's command: initdb (or pg_basebackup -R -X stream
// from primary), pg_hba lines letting the run's network in, then postgres
// in the foreground with the settings the process driver uses.
func pgCommand(n targets.DatabaseNode, primary string, durable bool) []string {
	set := postgres.Settings(postgres.Options{Name: n.Name, Durable: durable})
	set["listen_addresses"] = "*"
	var b strings.Builder
	b.WriteString("set -e; umask 077; ")
	if n.Role == postgres.RoleReplica {
		fmt.Fprintf(&b, "pg_basebackup -h %s -p %d -U postgres -D %s -R -X stream --checkpoint=fast --no-sync; ", primary, postgresPort, pgData)
	} else {
		fmt.Fprintf(&b, "initdb -D %s -U postgres --auth=trust --no-sync -E UTF8 --locale=C >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }; ", pgData)
		fmt.Fprintf(&b, "echo 'host all all all trust' >> %[1]s/pg_hba.conf; echo 'host replication all all trust' >> %[1]s/pg_hba.conf; ", pgData)
	}
	fmt.Fprintf(&b, "exec postgres -D %s -p %d -k /tmp", pgData, postgresPort)
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " -c '%s=%s'", k, set[k])
	}
	return []string{"sh", "-c", b.String()}
}

// startedPostgres waits until a node answers a query on its published
// port and records its version and durability.
func (dep *deployment) startedPostgres(ctx context.Context, c *container) error {
	ctx, cancel := context.WithTimeout(ctx, postgresReadyTimeout)
	defer cancel()
	dsn := hostDSN(c)
	var last error
	for {
		var v string
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, dsn)
		if err == nil {
			err = conn.QueryRow(cctx, "SHOW server_version").Scan(&v)
			_ = conn.Close(cctx)
		}
		ccancel()
		if err == nil {
			dep.notePostgres(c, strings.Fields(v)[0])
			return nil
		}
		last = err
		if xerr := dep.d.exited(ctx, c); xerr != nil {
			return fmt.Errorf("postgres container %s: %w", c.name, xerr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres container %s not ready within %s: %w", c.name, postgresReadyTimeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// notePostgres records a node in the deployment's info and the driver's
// components.
func (dep *deployment) notePostgres(c *container, version string) {
	durability := "fsync=off synchronous_commit=off full_page_writes=off"
	if slices.ContainsFunc(c.cmd, func(s string) bool { return strings.Contains(s, "'fsync=on'") }) {
		durability = "fsync=on synchronous_commit=on full_page_writes=on"
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.setComponent("postgres", version)
	dep.setComponent("postgres_durability", durability)
	dep.info.Notes = append(dep.info.Notes, fmt.Sprintf("postgres %s %s in container %s, published on 127.0.0.1:%d, %s", version, nodeName(c), c.name, c.hostPort, durability))
	dep.d.mu.Lock()
	dep.d.components["postgres"] = version
	dep.d.components["postgres_durability"] = durability
	dep.d.mu.Unlock()
}

// nodeName is the node a PostgreSQL container runs ("primary", "replica-1").
func nodeName(c *container) string {
	return c.name[strings.LastIndex(c.name, "-pg-")+len("-pg-"):]
}

func hostDSN(c *container) string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.hostPort) + "/postgres?sslmode=disable"
}

// pgContainers are the deployment's PostgreSQL containers, in start order.
func (dep *deployment) pgContainers() []*container {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	var out []*container
	for _, c := range dep.containers {
		if c.role == roleDatabase {
			out = append(out, c)
		}
	}
	return out
}

// DatabaseNodes lists the PostgreSQL containers as the host reaches them.
func (dep *deployment) DatabaseNodes() []targets.DatabaseNode {
	var out []targets.DatabaseNode
	for _, c := range dep.pgContainers() {
		role := postgres.RolePrimary
		if slices.ContainsFunc(c.cmd, func(s string) bool { return strings.Contains(s, "pg_basebackup") }) {
			role = postgres.RoleReplica
		}
		out = append(out, targets.DatabaseNode{Name: nodeName(c), Role: role, DSN: hostDSN(c)})
	}
	return out
}

// NodeUsage is one PostgreSQL container's cumulative CPU time and memory.
func (dep *deployment) NodeUsage(ctx context.Context, name string) (targets.Usage, error) {
	for _, c := range dep.pgContainers() {
		if nodeName(c) == name {
			return dep.d.sample(ctx, []*container{c})
		}
	}
	return targets.Usage{}, fmt.Errorf("no PostgreSQL node %q", name)
}

// DatabaseErr is non-nil once a PostgreSQL container has stopped.
func (dep *deployment) DatabaseErr() error {
	dep.mu.Lock()
	down := dep.down
	dep.mu.Unlock()
	if down {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range dep.pgContainers() {
		if err := dep.d.exited(ctx, c); err != nil {
			return fmt.Errorf("%s: %w", nodeName(c), err)
		}
	}
	return nil
}
