package postgres

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"github.com/scalebench/scalebench/targets/logtail"
)

// DSN is the connection string of the server's postgres database.
func (s *Server) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Addr is host:port to connect to.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the port it listens on.
func (s *Server) Port() int { return s.port }

// Role is RolePrimary or RoleReplica.
func (s *Server) Role() string { return s.role }

// Version is the server's version, e.g. "15.14".
func (s *Server) Version() string { return s.version }

// Settings are the durability and replication settings the server was
// started with (fsync, synchronous_commit, full_page_writes, wal_level…).
func (s *Server) Settings() map[string]string {
	out := make(map[string]string, len(s.settings))
	for k, v := range s.settings {
		out[k] = v
	}
	return out
}

// Dir is the server's work folder.
func (s *Server) Dir() string { return s.dir }

// DataDir is the data folder inside Dir.
func (s *Server) DataDir() string { return filepath.Join(s.dir, "data") }

// SocketDir is the Unix-socket folder inside Dir.
func (s *Server) SocketDir() string { return s.dir }

// LogTail returns the end of the server's log.
func (s *Server) LogTail() string { return logtail.Read(s.logPath, tailBytes) }

// Stop ends the server: SIGINT (fast shutdown) to the postmaster, SIGKILL
// to its process group after a grace period or when ctx ends, then waits
// and removes the work folder. Safe to call more than once, and after
// Kill.
func (s *Server) Stop(ctx context.Context) error {
	// SIGINT is the postmaster's fast shutdown (it ends its backends in
	// order); the group's SIGKILL afterwards catches anything left.
	if !s.Leader.Stop(ctx, syscall.SIGINT, stopGrace) {
		return nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("postgres: remove %s: %w", s.dir, err)
	}
	return nil
}

// Settings are the -c options of a server started with opts (the docker
// driver passes the same ones to its containers, with listen_addresses
// widened to the container's network).
func Settings(opts Options) map[string]string {
	onOff := "off"
	if opts.Durable {
		onOff = "on"
	}
	maxConn := opts.MaxConnections
	if maxConn <= 0 {
		maxConn = 100
	}
	set := map[string]string{
		"listen_addresses":   "127.0.0.1",
		"fsync":              onOff,
		"synchronous_commit": onOff,
		"full_page_writes":   onOff,
		"wal_level":          "replica",
		"max_wal_senders":    "10",
		// Replicas cloned at once each force a checkpoint, which may
		// recycle a WAL segment another clone still streams: keep them.
		"wal_keep_size":                "256MB",
		"hot_standby":                  "on",
		"hot_standby_feedback":         "on",
		"wal_receiver_status_interval": "1s",
		"max_connections":              strconv.Itoa(maxConn),
		"shared_buffers":               "32MB",
		"logging_collector":            "off",
		"log_min_messages":             "warning",
	}
	if opts.Name != "" {
		set["cluster_name"] = opts.Name
	}
	return set
}

// credential is the postgres OS user's when running as root (the server
// refuses root), nil otherwise.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: running as root needs the postgres OS user (%v): %s", err, InstallHint)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// workDir creates the work folder (a temporary one when dir is empty),
// owned by the server's user with mode 0700, as initdb wants.
func workDir(dir string, cred *syscall.Credential) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "scalebench-pg-")
		if err != nil {
			return "", fmt.Errorf("postgres: make folder: %w", err)
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("postgres: make folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return "", fmt.Errorf("postgres: give %s to the postgres user: %w", dir, err)
		}
		if err := traversable(filepath.Dir(dir)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// traversable checks that other users can reach dir's children.
func traversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("postgres: %s is not reachable by the postgres user (mode %v); choose a log folder under /tmp", d, st.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
