package docker

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
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
	n := max(spec.Instances, 1)
	if spec.Instances <= 0 {
		if t, ok := targets.Lookup(topo); ok {
			n = t.DefaultInstances
		}
	}
	policy := firstNonEmpty(spec.Policy, "round_robin")
	var env []string
	if spec.GOMAXPROCS > 0 {
		env = append(env, "GOMAXPROCS="+strconv.Itoa(spec.GOMAXPROCS))
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Env)) {
		env = append(env, k+"="+spec.Env[k])
	}
	files := map[string][]byte{}
	f := composeFile{Services: map[string]composeService{}}
	appCmd := []string{"serve", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort)}
	var appDeps []string
	image, port := opts.AppImage, appPort
	switch topo {
	case "single", "cluster", "replicas":
		if opts.AppImage == "" {
			return nil, fmt.Errorf("compose %q: no app image", spec.Name)
		}
		appCmd = append(appCmd, spec.AppArgs...)
	case "image":
		if spec.Image == "" || spec.Port <= 0 {
			return nil, fmt.Errorf("compose %q: topology image needs image: and port:", spec.Name)
		}
		image, port, appCmd = spec.Image, spec.Port, nil
		env = append(env, "PORT="+strconv.Itoa(spec.Port))
	case "command":
		return nil, fmt.Errorf("compose %q: a command: target is a local program, which has no container to export; "+
			"build an image of your server (e.g. `docker build -t myorg/api .`) and describe it as `image: myorg/api` with `port:` (driver: docker)", spec.Name)
	case "url":
		return nil, fmt.Errorf("compose %q: a url: target is a service already running elsewhere; there is nothing to export", spec.Name)
	case targets.TopologyMicroservices, targets.TopologyMonolith:
		return composeServiceGraph(spec, opts, env, header) // compose_services.go
	default:
		t, ok := targets.Lookup(topo)
		if !ok || len(t.AppArgs) == 0 {
			return nil, fmt.Errorf("compose %q: unknown topology %q", spec.Name, topo)
		}
		if spec.Database != nil {
			return nil, fmt.Errorf("compose %q: the PostgreSQL tier (topology %s) is not exported yet; run it with `scalebench run --driver docker`", spec.Name, topo)
		}
		if opts.AppImage == "" {
			return nil, fmt.Errorf("compose %q: no app image", spec.Name)
		}
		appCmd = append(appCmd, t.AppArgs...)
		if t.Redis != "" {
			f.Services["redis"] = composeService{Image: opts.RedisImage, Command: redisCmd(t.Redis), Restart: "no"}
			appCmd = append(appCmd, "--redis", "redis:"+strconv.Itoa(redisPort))
			appDeps = []string{"redis"}
		}
		appCmd = append(appCmd, spec.AppArgs...)
		if t.QueueWorkers {
			w := spec.QueueWorkers
			if w <= 0 {
				w = defaultQueueWorkers
			}
			// No --id: each worker names itself after its container's
			// hostname, unique per replica.
			worker := composeService{Image: opts.AppImage, Environment: env, Restart: "no", DependsOn: []string{"redis"},
				Command: append([]string{"worker", "--redis", "redis:" + strconv.Itoa(redisPort)}, spec.WorkerArgs...)}
			composeLimitsFor(&worker, spec, 1, w)
			f.Services["worker"] = worker
		}
		if n == 1 {
			topo = "single"
		}
	}
	app := composeService{Image: image, Command: appCmd, Environment: env, Restart: "no", DependsOn: appDeps}
	publish := "127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(port)
	switch {
	case topo == "single" || (topo == "image" && n == 1):
		app.Ports = []string{publish}
		composeLimitsFor(&app, spec, 1, 0)
	case topo == "cluster":
		app.Command = append(app.Command, "--workers", strconv.Itoa(n))
		app.Ports = []string{publish}
		composeLimitsFor(&app, spec, n, 0)
	default: // replicas, or several instances of an image or a catalog topology
		composeLimitsFor(&app, spec, 1, n)
		upstream := "app:" + strconv.Itoa(port)
		if spec.Balancer == "go" && topo != "image" {
			f.Services["balancer"] = composeService{Image: opts.AppImage, Restart: "no", DependsOn: []string{"app"},
				Command: []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--upstream", upstream, "--policy", policy},
				Ports:   []string{"127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(appPort)}}
			break
		}
		conf, err := nginxConf([]string{upstream}, policy, nginxPort, spec.Retries)
		if err != nil {
			return nil, fmt.Errorf("compose %q: %w", spec.Name, err)
		}
		files["nginx.conf"] = conf
		f.Services["nginx"] = composeService{Image: opts.NginxImage, Restart: "no", DependsOn: []string{"app"},
			Command: nginxCmd,
			Volumes: []string{"./nginx.conf:" + nginxConfPath + ":ro"},
			Ports:   []string{"127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(nginxPort)}}
	}
	f.Services["app"] = app
	var buf bytes.Buffer
	buf.WriteString(header)
	if len(files) > 0 {
		buf.WriteString("# nginx resolves `app` to every replica when it starts: start (or scale) app first.\n")
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

// composeLimitsFor sets s's CPU quota (over the drivers' 10 ms period),
// replicas (0: omitted) and memory limit for a container holding
// `instances` instances.
func composeLimitsFor(s *composeService, spec targets.Spec, instances, replicas int) {
	if spec.CPUBudget > 0 {
		s.CPUPeriod = cfsPeriodUS
		s.CPUQuota = max(int64(spec.CPUBudget*float64(instances)*cfsPeriodUS+0.5), 1000)
	}
	d := &composeDeploy{Replicas: replicas}
	if spec.MemoryMB > 0 {
		d.Resources = &composeResources{Limits: composeLimits{Memory: strconv.Itoa(spec.MemoryMB*instances) + "M"}}
	}
	if d.Replicas == 0 && d.Resources == nil {
		return
	}
	s.Deploy = d
}
