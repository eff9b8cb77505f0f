package redis

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scalebench/scalebench/targets/internal/serverenv"
	"github.com/scalebench/scalebench/targets/logtail"
	"github.com/scalebench/scalebench/targets/pgroup"
)

// Binary is the name of the server looked up on PATH.
const Binary = "redis-server"

// systemPort is the port a system Redis may already use; Start never
// picks it by itself.
const systemPort = 6379

// Timing of start and stop.
const (
	defaultStartTimeout = 10 * time.Second
	stopGrace           = 2 * time.Second
	tailBytes           = 16 << 10
)

// Options says how to start a server. The zero value is usable.
type Options struct {
	// Dir is the working directory (Redis --dir) and holds redis.log. Empty:
	// a new temporary directory, removed by Stop.
	Dir string
	// Port to listen on; 0 picks a free port (never 6379).
	Port int
	// Bind is the address to listen on (default 127.0.0.1).
	Bind string
	// MaxMemoryMB caps Redis's memory (0: no cap).
	MaxMemoryMB int
	// MaxMemoryPolicy is Redis's eviction policy when MaxMemoryMB is set:
	// "noeviction" (default; writes fail when full, which a queue needs) or
	// "allkeys-lru" (what a cache wants).
	MaxMemoryPolicy string
	// Args are extra command-line arguments, e.g. "--io-threads", "2".
	Args []string
	// Path is the redis-server binary (empty: Find).
	Path string
	// StartTimeout bounds the wait for PING (default 10s).
	StartTimeout time.Duration
}

// Server is a running redis-server.
type Server struct {
	*pgroup.Leader
	dir     string
	tempDir bool
	logPath string
	addr    string
	port    int
	version string
}

// Find returns the path of redis-server on PATH, or an error saying how to
// install it.
func Find() (string, error) {
	p, err := exec.LookPath(Binary)
	if err != nil {
		return "", errors.New("redis-server not found on PATH: apt-get install -y redis-server")
	}
	return p, nil
}

// Start starts redis-server and waits until it answers PING, ctx ends or
// opts.StartTimeout passes. On error nothing is left running.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin := opts.Path
	if bin == "" {
		p, err := Find()
		if err != nil {
			return nil, err
		}
		bin = p
	}
	if opts.Bind == "" {
		opts.Bind = "127.0.0.1"
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = defaultStartTimeout
	}
	dir, temp := opts.Dir, false
	if dir == "" {
		d, err := os.MkdirTemp("", "scalebench-redis-")
		if err != nil {
			return nil, fmt.Errorf("redis: make directory: %w", err)
		}
		dir, temp = d, true
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("redis: make directory: %w", err)
	}
	// A free port found by listening can be taken by someone else before
	// Redis binds it: retry a few times when we chose the port.
	var lastErr error
	for range 3 {
		s, err := start(ctx, bin, dir, opts)
		if err == nil {
			s.tempDir = temp
			return s, nil
		}
		lastErr = err
		if opts.Port != 0 || ctx.Err() != nil || !errors.Is(err, errPortInUse) {
			break
		}
	}
	if temp {
		_ = os.RemoveAll(dir)
	}
	return nil, lastErr
}

var errPortInUse = errors.New("port in use")

// start makes one attempt.
func start(ctx context.Context, bin, dir string, opts Options) (*Server, error) {
	port := opts.Port
	if port == 0 {
		p, err := serverenv.FreePort("redis", opts.Bind, systemPort)
		if err != nil {
			return nil, err
		}
		port = p
	}
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", opts.Bind,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", dir,
		"--logfile", "",
	}
	if opts.MaxMemoryMB > 0 {
		policy := opts.MaxMemoryPolicy
		if policy == "" {
			policy = "noeviction"
		}
		args = append(args, "--maxmemory", strconv.Itoa(opts.MaxMemoryMB)+"mb", "--maxmemory-policy", policy)
	}
	args = append(args, opts.Args...)
	logPath := filepath.Join(dir, "redis.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("redis: open log: %w", err)
	}
	defer logf.Close() // the child holds its own copy
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group, so Stop reaches everything; Pdeathsig, so a
	// killed scalebench does not leave Redis behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("redis: start %s: %w", bin, err)
	}
	s := &Server{
		Leader: pgroup.Watch(cmd, "redis-server"), dir: dir, logPath: logPath, port: port,
		addr: net.JoinHostPort(opts.Bind, strconv.Itoa(port)),
	}
	wctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := s.waitReady(wctx); err != nil {
		s.Abort()
		tail := s.LogTail()
		if strings.Contains(tail, "Address already in use") {
			err = fmt.Errorf("%w: %w", errPortInUse, err)
		}
		return nil, fmt.Errorf("redis on port %d: %w; log: %s", port, err, serverenv.LastLines(tail, 5))
	}
	return s, nil
}

// waitReady polls PING until it answers, the process exits or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		v, err := s.info(ctx)
		if err == nil {
			s.version = v
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

// info sends PING and INFO server on one connection and returns
// redis_version.
func (s *Server) info(ctx context.Context) (string, error) {
	d := net.Dialer{Timeout: 500 * time.Millisecond}
	c, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, "PING\r\nINFO server\r\n"); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return "", fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	line, err = r.ReadString('\n') // $LEN
	if err != nil {
		return "", err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "$")))
	if err != nil || n < 0 {
		return "", fmt.Errorf("INFO answered %q", strings.TrimSpace(line))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	for l := range strings.SplitSeq(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(l, "redis_version:"); ok {
			return v, nil
		}
	}
	return "unknown", nil
}

// Addr is host:port to connect to.
func (s *Server) Addr() string { return s.addr }

// Port is the port it listens on.
func (s *Server) Port() int { return s.port }

// InstalledVersion is the version of the redis-server on PATH, from
// `redis-server --version` ("Redis server v=7.0.15 …"), or "" when there is
// none.
func InstalledVersion() string {
	bin, err := Find()
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return ""
	}
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			return v
		}
	}
	return ""
}

// Version is the server's redis_version, e.g. "7.0.15".
func (s *Server) Version() string { return s.version }

// Dir is the server's working directory (holding redis.log).
func (s *Server) Dir() string { return s.dir }

// LogTail returns the end of the server's log.
func (s *Server) LogTail() string { return logtail.Read(s.logPath, tailBytes) }

// Stop ends the server: SIGTERM to its process group, SIGKILL after a
// grace period or when ctx ends, then waits until it is reaped and removes
// the temporary directory. Safe to call more than once, and after Kill.
func (s *Server) Stop(ctx context.Context) error {
	if !s.Leader.Stop(ctx, syscall.SIGTERM, stopGrace) {
		return nil
	}
	if s.tempDir {
		if err := os.RemoveAll(s.dir); err != nil {
			return fmt.Errorf("redis: remove %s: %w", s.dir, err)
		}
	}
	return nil
}
