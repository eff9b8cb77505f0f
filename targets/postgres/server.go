package postgres

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalebench/scalebench/targets/internal/serverenv"
	"github.com/scalebench/scalebench/targets/pgroup"
)

// BinDir is where Debian's PostgreSQL 15 binaries live.
const BinDir = "/usr/lib/postgresql/15/bin"

// InstallHint is the command that installs the binaries.
const InstallHint = "apt-get install -y postgresql"

// systemPort is the port a system cluster may already use; Start never
// picks it by itself.
const systemPort = 5432

// Roles of a server.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
)

// Timing of start and stop.
const (
	defaultStartTimeout = 30 * time.Second
	stopGrace           = 3 * time.Second
	tailBytes           = 16 << 10
)

// Options say how to start a server. The zero value starts a primary.
type Options struct {
	// Dir is the work folder (data, sockets, log). Empty: a new temporary
	// folder. Stop removes it either way: it holds a throw-away cluster.
	Dir string
	// Port to listen on; 0 picks a free port (never 5432).
	Port int
	// Primary is the primary's host:port; set, the server is a streaming
	// replica made with pg_basebackup -R -X stream.
	Primary string
	// Name is the server's cluster_name: it titles its processes and a
	// replica's walreceiver reports it as application_name, so the
	// primary's pg_stat_replication names each replica.
	Name string
	// Durable turns fsync, synchronous_commit and full_page_writes on.
	Durable bool
	// MaxConnections is max_connections (default 100).
	MaxConnections int
	// BinDir holds initdb, postgres and pg_basebackup (default BinDir).
	BinDir string
	// StartTimeout bounds initdb/pg_basebackup plus the wait for a
	// connection (default 30s).
	StartTimeout time.Duration
}

// Server is a running PostgreSQL server.
type Server struct {
	*pgroup.Leader
	dir      string
	logPath  string
	port     int
	role     string
	version  string
	settings map[string]string
}

// Find returns the folder holding the PostgreSQL 15 binaries, or an error
// saying how to install them.
func Find(binDir string) (string, error) {
	if binDir == "" {
		binDir = BinDir
	}
	for _, b := range []string{"initdb", "postgres", "pg_basebackup"} {
		if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
			return "", fmt.Errorf("PostgreSQL 15 not found (%s missing in %s): %s", b, binDir, InstallHint)
		}
	}
	return binDir, nil
}

// InstalledVersion is the installed server's version ("15.14"), or ""
// when there is none.
func InstalledVersion() string {
	dir, err := Find("")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(dir, "postgres"), "--version").Output()
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// Start creates the cluster (initdb, or pg_basebackup from
// opts.Primary), starts postgres and waits until it accepts connections,
// ctx ends or opts.StartTimeout passes. On error nothing is left running
// and the work folder is removed.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := Find(opts.BinDir)
	if err != nil {
		return nil, err
	}
	opts.BinDir = bin
	sweepOnce.Do(func() { Sweep() })
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = defaultStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := workDir(opts.Dir, cred)
	if err != nil {
		return nil, err
	}
	s, err := start(ctx, dir, cred, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// start creates the data folder and starts the server in dir.
func start(ctx context.Context, dir string, cred *syscall.Credential, opts Options) (*Server, error) {
	port := opts.Port
	if port == 0 {
		p, err := serverenv.FreePort("postgres", "127.0.0.1", systemPort)
		if err != nil {
			return nil, err
		}
		port = p
	}
	s := &Server{dir: dir, logPath: filepath.Join(dir, "postgres.log"), port: port, role: RolePrimary}
	if opts.Primary != "" {
		s.role = RoleReplica
	}
	if err := s.initData(ctx, cred, opts); err != nil {
		return nil, err
	}
	s.settings = Settings(opts)
	if err := s.run(cred, opts); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		s.Abort()
		return nil, fmt.Errorf("postgres %s on port %d: %w; log: %s", s.role, port, err, serverenv.LastLines(s.LogTail(), 5))
	}
	return s, nil
}

// initData runs initdb (primary) or pg_basebackup (replica) as the
// server's user.
func (s *Server) initData(ctx context.Context, cred *syscall.Credential, opts Options) error {
	data := s.DataDir()
	var argv []string
	if s.role == RolePrimary {
		argv = []string{filepath.Join(opts.BinDir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"}
	} else {
		host, port, err := net.SplitHostPort(opts.Primary)
		if err != nil {
			return fmt.Errorf("postgres replica: primary %q: %w", opts.Primary, err)
		}
		argv = []string{filepath.Join(opts.BinDir, "pg_basebackup"), "-h", host, "-p", port, "-U", "postgres", "-D", data, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = s.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	// pg_basebackup forks a WAL-streaming child that holds the output
	// pipe: on cancel kill the whole group, and never wait on the pipe
	// for long (otherwise an orphan keeps Start blocked).
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // stragglers of a finished run
	}
	if err != nil {
		return fmt.Errorf("postgres: %s: %w: %s", filepath.Base(argv[0]), err, serverenv.LastLines(string(out), 5))
	}
	return nil
}

// run starts postgres in the foreground, in its own process group.
func (s *Server) run(cred *syscall.Credential, opts Options) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("postgres: open log: %w", err)
	}
	defer logf.Close() // the child holds its own copy
	args := []string{"-D", s.DataDir(), "-p", strconv.Itoa(s.port), "-k", s.SocketDir()}
	for _, k := range sortedKeys(s.settings) {
		args = append(args, "-c", k+"="+s.settings[k])
	}
	cmd := exec.Command(filepath.Join(opts.BinDir, "postgres"), args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group, so Stop reaches every backend; Pdeathsig, so a
	// killed scalebench does not leave the postmaster behind (its backends
	// exit when they see it gone).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("postgres: start: %w", err)
	}
	s.Leader = pgroup.Watch(cmd, "postgres "+s.role)
	return nil
}

// waitReady connects until a query answers, the server exits or ctx
// ends; it records the server's version.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		v, err := s.query(ctx, "SHOW server_version")
		if err == nil {
			s.version = strings.Fields(v)[0]
			return nil
		}
		select {
		case <-s.Done():
			return s.Err()
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// query runs one query returning one text value on a new connection.
func (s *Server) query(ctx context.Context, sql string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	c, err := pgx.Connect(cctx, s.DSN())
	if err != nil {
		return "", err
	}
	defer c.Close(context.WithoutCancel(cctx))
	var v string
	err = c.QueryRow(cctx, sql).Scan(&v)
	return v, err
}
