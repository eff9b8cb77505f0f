package docker

import (
	"bufio"
	"context"
	"fmt"
	"github.com/scalebench/scalebench/targets"
	"net"
	"strconv"
	"strings"
	"time"
)

// Redis is a Redis server running as a container on the run's network.
type Redis struct {
	d *Driver
	c *container
	// Addr is host:port of the server on the run's network, for app
	// containers (the container name resolves through Docker's DNS).
	Addr string
	// HostAddr is 127.0.0.1:port, its port published on the host.
	HostAddr string
	// Image is the image it runs.
	Image string
}

// StartRedis starts a Redis container called sb-<run>-<target>-<name> on
// the run's network (image Options.RedisImage, no persistence, protected
// mode off since only the private network and 127.0.0.1 reach it) and
// waits until it answers PING. Redis-backed topologies call it before
// their app containers; Remove (or Close) removes it.
func (d *Driver) StartRedis(ctx context.Context, target, name string) (*Redis, error) {
	if err := ensureImage(ctx, d.pool, d.opts.RedisImage, EnvRedisImage); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	cs := containerSpec{
		target: target, role: "redis", name: containerName("sb", d.runID, target, name), image: d.opts.RedisImage,
		cmd:  targets.RedisArgs("store"),
		port: redisPort, cpuset: d.cpus,
	}
	c, err := d.start(ctx, cs)
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	r := &Redis{d: d, c: c, Addr: c.name + ":" + strconv.Itoa(redisPort), HostAddr: "127.0.0.1:" + strconv.Itoa(c.hostPort), Image: cs.image}
	if err := waitPing(ctx, r.HostAddr, 15*time.Second); err != nil {
		_ = r.Remove(ctx)
		return nil, fmt.Errorf("redis container %s: %w", c.name, err)
	}
	return r, nil
}

// Remove removes the Redis container. Safe to call twice.
func (r *Redis) Remove(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	return r.d.remove(ctx, r.c)
}

// waitPing waits until a Redis server at addr answers PING.
func waitPing(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = ping(ctx, addr); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no PONG within %s: %w", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func ping(ctx context.Context, addr string) error {
	var dl net.Dialer
	conn, err := dl.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("answered %q", strings.TrimSpace(line))
	}
	return nil
}
