package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

// Labels on every container and network scalebench creates.
const (
	// LabelScalebench marks a resource as scalebench's ("1").
	LabelScalebench = "scalebench"
	// LabelRun holds the run id.
	LabelRun = "scalebench.run"
	// LabelHost, LabelPID and LabelPIDStart identify the scalebench process
	// that owns the resource, so Clean can tell whether it is still alive.
	LabelHost     = "scalebench.host"
	LabelPID      = "scalebench.pid"
	LabelPIDStart = "scalebench.pid_start"
	// LabelTarget and LabelRole say what a container is.
	LabelTarget = "scalebench.target"
	LabelRole   = "scalebench.role"
)

// cfsPeriodUS is the CFS bandwidth period of a container with a CPU
// quota, the same as the process driver's: with Docker's default of 100 ms
// an instance at half a core runs 50 ms then stalls 50 ms, which shows up
// as a 50 ms latency tail at any load; a 10 ms period keeps throttling
// stalls under 10 ms, so the budget limits throughput without inventing
// latency. The kernel's minimum quota is 1 ms.
const cfsPeriodUS = 10000

// containerSpec is one container to start.
type containerSpec struct {
	target string // the target's name
	role   string // app, nginx, redis, balancer, image
	name   string // container name, also its DNS name on the run's network
	image  string
	cmd    []string
	env    []string
	// port is the container port published on 127.0.0.1 (0: none).
	port int
	// files are uploaded (path → content) before the container starts.
	files map[string][]byte
	// cpus is the CPU quota in CPUs (0: none); memory the limit in bytes.
	cpus   float64
	memory int64
	cpuset []int
	// user runs the container's command (""; the image's default).
	user string
}

// container is a started container.
type container struct {
	id, name, role, image string
	cmd                   []string
	hostPort              int

	// cg are its cgroup files when the engine is local (nil: use the
	// stats API), found on the first sample.
	cgOnce sync.Once
	cg     *cgroupFiles
}

// start creates, configures and starts a container on the run's network.
// A container that was created but failed to start is removed.
func (d *Driver) start(ctx context.Context, cs containerSpec) (c *container, err error) {
	labels := d.labels()
	labels[LabelTarget] = cs.target
	labels[LabelRole] = cs.role
	cfg := &dc.Config{
		Image:  cs.image,
		Cmd:    cs.cmd,
		Env:    cs.env,
		Labels: labels,
		// Like dockertest: a stop signal the servers ignore, so the Expire
		// backstop (a stop with a timeout) ends in SIGKILL after the timeout
		// rather than a signal at once.
		StopSignal: "SIGWINCH",
		User:       cs.user,
	}
	hc := &dc.HostConfig{
		RestartPolicy: dc.RestartPolicy{Name: "no"},
		AutoRemove:    false, // keep a dead container's logs readable; removed explicitly
		NetworkMode:   d.network.Name,
		Init:          false,
	}
	if cs.port > 0 {
		p := dc.Port(strconv.Itoa(cs.port) + "/tcp")
		cfg.ExposedPorts = map[dc.Port]struct{}{p: {}}
		hc.PortBindings = map[dc.Port][]dc.PortBinding{p: {{HostIP: "127.0.0.1", HostPort: ""}}}
	}
	if cs.cpus > 0 {
		hc.CPUPeriod = cfsPeriodUS
		hc.CPUQuota = max(int64(cs.cpus*cfsPeriodUS+0.5), 1000)
	}
	if cs.memory > 0 {
		hc.Memory = cs.memory
		hc.MemorySwap = cs.memory // equal: no swap
	}
	if len(cs.cpuset) > 0 {
		hc.CPUSetCPUs = cpusetString(cs.cpuset)
	}
	created, err := d.pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name:       cs.name,
		Config:     cfg,
		HostConfig: hc,
		NetworkingConfig: &dc.NetworkingConfig{EndpointsConfig: map[string]*dc.EndpointConfig{
			d.network.Name: {Aliases: []string{cs.name}},
		}},
		Context: ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("create %s container %s: %w", cs.role, cs.name, err)
	}
	made := &container{id: created.ID, name: cs.name, role: cs.role, image: cs.image, cmd: cs.cmd}
	d.opts.Tracker.DockerCreated("container", created.ID, cs.name)
	// The deferred removal holds its own reference: the error returns
	// below set the named result c to nil.
	defer func() {
		if err != nil {
			_ = d.remove(context.WithoutCancel(ctx), made)
		}
	}()
	c = made
	if len(cs.files) > 0 {
		tarball, err := tarFiles(cs.files)
		if err != nil {
			return nil, fmt.Errorf("%s container %s: %w", cs.role, cs.name, err)
		}
		if err := d.pool.Client.UploadToContainer(c.id, dc.UploadToContainerOptions{InputStream: bytes.NewReader(tarball), Path: "/", Context: ctx}); err != nil {
			return nil, fmt.Errorf("%s container %s: upload configuration: %w", cs.role, cs.name, err)
		}
	}
	if err := d.pool.Client.StartContainerWithContext(c.id, nil, ctx); err != nil {
		return nil, fmt.Errorf("start %s container %s: %w", cs.role, cs.name, err)
	}
	d.expire(c.id)
	if cs.port > 0 {
		if c.hostPort, err = d.hostPort(ctx, c.id, cs.port); err != nil {
			return nil, fmt.Errorf("%s container %s: %w", cs.role, cs.name, err)
		}
	}
	return c, nil
}

// hostPort waits for the engine to report the 127.0.0.1 port published
// for the container's port.
func (d *Driver) hostPort(ctx context.Context, id string, port int) (int, error) {
	key := dc.Port(strconv.Itoa(port) + "/tcp")
	for i := 0; ; i++ {
		info, err := d.pool.Client.InspectContainerWithContext(id, ctx)
		if err != nil {
			return 0, fmt.Errorf("inspect: %w", err)
		}
		for _, b := range info.NetworkSettings.Ports[key] {
			if p, err := strconv.Atoi(b.HostPort); err == nil && p > 0 {
				return p, nil
			}
		}
		if !info.State.Running {
			return 0, fmt.Errorf("exited with code %d before its port was published", info.State.ExitCode)
		}
		if i == 50 {
			return 0, fmt.Errorf("port %d was not published", port)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// expire is the backstop of Options.Expire: a stop request with a timeout,
// which the engine completes (SIGKILL after the timeout) even when
// scalebench dies meanwhile. The goroutine ends when the container stops or
// is removed; Close waits for it.
func (d *Driver) expire(id string) {
	secs := uint(d.opts.Expire / time.Second)
	d.expiring.Add(1)
	go func() {
		defer d.expiring.Done()
		_ = d.pool.Client.StopContainerWithContext(id, secs, d.bg)
	}()
}

// remove force-removes a container (and its anonymous volumes). A
// container that no longer exists is not an error.
func (d *Driver) remove(ctx context.Context, c *container) error {
	err := d.pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.id, Force: true, RemoveVolumes: true, Context: ctx})
	if err != nil && !isNoSuch(err) {
		return fmt.Errorf("remove %s container %s: %w", c.role, c.name, err)
	}
	d.opts.Tracker.DockerRemoved(c.id)
	return nil
}

func isNoSuch(err error) bool {
	if _, ok := err.(*dc.NoSuchContainer); ok {
		return true
	}
	if e, ok := err.(*dc.Error); ok && e.Status == 404 {
		return true
	}
	return false
}

// tarFiles archives files (absolute paths → content) for UploadToContainer.
func tarFiles(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		h := &tar.Header{Name: strings.TrimPrefix(n, "/"), Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cpusetString formats CPUs for HostConfig.CPUSetCPUs ("1,2,3").
func cpusetString(cpus []int) string {
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}

var nameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// containerName builds a valid, readable container name.
func containerName(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.Trim(nameUnsafe.ReplaceAllString(p, "-"), "-.")
	}
	return strings.Join(parts, "-")
}
