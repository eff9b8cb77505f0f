package docker

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/targets"
)

// ComposeOptions say which images and host port an exported
// docker-compose.yml uses.
type ComposeOptions struct {
	// AppImage is the reference-app image reference (from AppImage).
	AppImage string
	// NginxImage is the nginx image (default DefaultNginxImage).
	NginxImage string
	// RedisImage is the Redis image of Redis-backed topologies (default
	// DefaultRedisImage).
	RedisImage string
	// Port is the host port published on 127.0.0.1 (default 8080).
	Port int
}

// composeFile is the subset of the Compose specification written.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string         `yaml:"image"`
	Command     []string       `yaml:"command,omitempty"`
	Environment []string       `yaml:"environment,omitempty"`
	CPUPeriod   int64          `yaml:"cpu_period,omitempty"`
	CPUQuota    int64          `yaml:"cpu_quota,omitempty"`
	Ports       []string       `yaml:"ports,omitempty"`
	Volumes     []string       `yaml:"volumes,omitempty"`
	DependsOn   []string       `yaml:"depends_on,omitempty"`
	Deploy      *composeDeploy `yaml:"deploy,omitempty"`
	Restart     string         `yaml:"restart,omitempty"`
}

type composeDeploy struct {
	Replicas  int               `yaml:"replicas,omitempty"`
	Resources *composeResources `yaml:"resources,omitempty"`
}

type composeResources struct {
	Limits composeLimits `yaml:"limits"`
}

type composeLimits struct {
	Memory string `yaml:"memory,omitempty"`
}

// Compose renders a target as a docker-compose.yml (and, when it is
// balanced by nginx, the nginx.conf mounted beside it, the one the drivers
// run), keyed by file name, so a team can run the architecture it chose:
// replicas as deploy.replicas of one service; the CPU budget as
// cpu_quota over a 10 ms cpu_period (as the drivers set it: Compose's
// deploy.resources.limits.cpus would mean the engine's 100 ms period, and
// the engine refuses both at once) and the memory limit as
// deploy.resources.limits.memory; Redis-backed topologies with a redis
// service (cache: maxmemory with allkeys-lru; store: no eviction) and, for
// queue, a worker service with deploy.replicas; the entry published on
// 127.0.0.1 only. The written YAML is parsed back before it is returned.
func Compose(spec targets.Spec, opts ComposeOptions) (map[string][]byte, error) {
	if opts.NginxImage == "" {
		opts.NginxImage = DefaultNginxImage
	}
	if opts.RedisImage == "" {
		opts.RedisImage = DefaultRedisImage
	}
	if opts.Port <= 0 {
		opts.Port = 8080
	}
	topo := spec.Topology
	if topo == "" && spec.Image != "" {
		topo = "image"
	}
	header := "# Written by `scalebench compose` for target " + strconv.Quote(spec.Name) + " (topology " + topo + ").\n"
	if err := composable(spec, topo, opts); err != nil {
		return nil, err
	}
	spec.Topology = topo
	if topo == "image" {
		// A user's image is balanced by nginx: the Go balancer would need
		// the reference-app image, which an image target does not export.
		spec.Balancer = "nginx"
	}
	l, err := targets.Plan(spec)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	f := composeFile{Services: map[string]composeService{}}
	files := map[string][]byte{}
	for _, c := range l.Components {
		if err := composeComponent(f, files, spec, l, c, opts); err != nil {
			return nil, fmt.Errorf("compose %q: %w", spec.Name, err)
		}
	}
	var buf bytes.Buffer
	buf.WriteString(header)
	if len(files) > 0 {
		f, _ := l.Fleet()
		fmt.Fprintf(&buf, "# nginx resolves `%[1]s` to every replica when it starts: start (or scale) %[1]s first.\n", composeName(spec, f))
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("compose %q: %w", spec.Name, err)
	}
	var back composeFile
	if err := yaml.Unmarshal(buf.Bytes(), &back); err != nil || len(back.Services) == 0 {
		return nil, fmt.Errorf("compose %q: written YAML does not parse back: %v", spec.Name, err)
	}
	files["docker-compose.yml"] = buf.Bytes()
	return files, nil
}

// composable refuses what has no containers to export.
func composable(spec targets.Spec, topo string, opts ComposeOptions) error {
	switch topo {
	case "command":
		return fmt.Errorf("compose %q: a command: target is a local program, which has no container to export; "+
			"build an image of your server (e.g. `docker build -t myorg/api .`) and describe it as `image: myorg/api` with `port:` (driver: docker)", spec.Name)
	case "url":
		return fmt.Errorf("compose %q: a url: target is a service already running elsewhere; there is nothing to export", spec.Name)
	case "image":
		if spec.Image == "" || spec.Port <= 0 {
			return fmt.Errorf("compose %q: topology image needs image: and port:", spec.Name)
		}
		return nil
	}
	if spec.Database != nil {
		return fmt.Errorf("compose %q: the PostgreSQL tier (topology %s) is not exported yet; run it with `scalebench run --driver docker`", spec.Name, topo)
	}
	if _, ok := targets.Lookup(topo); ok && opts.AppImage == "" {
		return fmt.Errorf("compose %q: no app image", spec.Name)
	}
	return nil
}

// composeComponent adds component c of l to f as one service (replicas
// as deploy.replicas), and nginx's configuration to files. Components
// reach each other by service name, which is the component's; the entry
// is published on 127.0.0.1.
func composeComponent(f composeFile, files map[string][]byte, spec targets.Spec, l targets.Layout, c targets.Component, opts ComposeOptions) error {
	publish := func(port int) []string {
		return []string{"127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(port)}
	}
	var deps []string
	if _, ok := l.Component("redis"); ok {
		deps = []string{"redis"}
	}
	switch c.Role {
	case targets.RoleRedis:
		f.Services[c.Name] = composeService{Image: opts.RedisImage, Command: c.Args, Restart: "no"}
	case targets.RoleWorker:
		// No --id: each worker names itself after its container's
		// hostname, unique per replica.
		w := composeService{Image: opts.AppImage, Command: c.Args, Environment: envList(spec), Restart: "no", DependsOn: deps}
		composeLimitsFor(&w, c, c.Replicas)
		f.Services[c.Name] = w
	case targets.RoleApp, targets.RoleCluster:
		app := composeService{Image: opts.AppImage, Environment: envList(spec), Restart: "no", DependsOn: deps}
		if c.Image == targets.ImageApp {
			app.Command = append([]string{"serve", "--addr", "0.0.0.0", "--port", strconv.Itoa(c.Port)}, targets.RenderArgs(c.Flags, l.NetworkAddr)...)
		} else {
			app.Image = c.Image
			app.Environment = append(app.Environment, "PORT="+strconv.Itoa(c.Port))
		}
		switch {
		case l.Entry != c.Name:
			composeLimitsFor(&app, c, c.Replicas)
		case c.Role == targets.RoleCluster:
			app.Command = append(app.Command, "--workers", strconv.Itoa(c.Workers))
			fallthrough
		default:
			app.Ports = publish(c.Port)
			composeLimitsFor(&app, c, 0)
		}
		f.Services[composeName(spec, c)] = app
	case targets.RoleBalancer:
		backend, _ := l.Component(c.Upstream)
		if l.Balancer == "go" {
			f.Services[c.Name] = composeService{Image: opts.AppImage, Restart: "no", DependsOn: []string{backend.Name}, Command: c.Args, Ports: publish(c.Port)}
			return nil
		}
		conf, err := nginxConf([]string{l.NetworkAddr(backend.Name)}, l.Policy, nginxPort, spec.Retries)
		if err != nil {
			return err
		}
		files["nginx.conf"] = conf
		f.Services["nginx"] = composeService{Image: opts.NginxImage, Restart: "no", DependsOn: []string{backend.Name},
			Command: nginxCmd,
			Volumes: []string{"./nginx.conf:" + nginxConfPath + ":ro"},
			Ports:   publish(nginxPort)}
	default:
		return fmt.Errorf("component %s (%s) has no service to export", c.Name, c.Role)
	}
	return nil
}

// composeName is app component c's service: "app", or in a service graph
// the service's own name, which its callers reach it by.
func composeName(spec targets.Spec, c targets.Component) string {
	if targets.IsServiceGraph(spec.Topology) {
		return c.Name
	}
	return "app"
}

// composeLimitsFor sets s's CPU quota (over the drivers' 10 ms period),
// replicas (0: omitted) and memory limit from c's per-replica limits (a
// cluster's are its workers' together).
func composeLimitsFor(s *composeService, c targets.Component, replicas int) {
	if c.CPUs > 0 {
		s.CPUPeriod = cfsPeriodUS
		s.CPUQuota = max(int64(c.CPUs*cfsPeriodUS+0.5), 1000)
	}
	d := &composeDeploy{Replicas: replicas}
	if c.MemoryMB > 0 {
		d.Resources = &composeResources{Limits: composeLimits{Memory: strconv.Itoa(c.MemoryMB) + "M"}}
	}
	if d.Replicas == 0 && d.Resources == nil {
		return
	}
	s.Deploy = d
}
