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
	CPUs   string `yaml:"cpus,omitempty"`
	Memory string `yaml:"memory,omitempty"`
}

// Compose renders a target as a docker-compose.yml (and, when it is
// balanced by nginx, the nginx.conf mounted beside it), keyed by file name,
// so a team can run the architecture it chose: replicas as
// deploy.replicas of one service, the CPU budget and memory limit as
// deploy.resources.limits, the entry published on 127.0.0.1 only. The
// written YAML is parsed back before it is returned.
func Compose(spec targets.Spec, opts ComposeOptions) (map[string][]byte, error) {
	if opts.NginxImage == "" {
		opts.NginxImage = DefaultNginxImage
	}
	if opts.Port <= 0 {
		opts.Port = 8080
	}
	topo := spec.Topology
	if topo == "" && spec.Image != "" {
		topo = "image"
	}
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
	appCmd = append(appCmd, spec.AppArgs...)
	image, port := opts.AppImage, appPort
	switch topo {
	case "single", "cluster", "replicas":
		if opts.AppImage == "" {
			return nil, fmt.Errorf("compose %q: no app image", spec.Name)
		}
	case "image":
		if spec.Image == "" || spec.Port <= 0 {
			return nil, fmt.Errorf("compose %q: topology image needs image: and port:", spec.Name)
		}
		image, port, appCmd = spec.Image, spec.Port, nil
		env = append(env, "PORT="+strconv.Itoa(spec.Port))
	case "command", "url":
		return nil, fmt.Errorf("compose %q: topology %s has no container to export (use image: for your own server)", spec.Name, topo)
	default:
		return nil, fmt.Errorf("compose %q: unknown topology %q", spec.Name, topo)
	}
	app := composeService{Image: image, Command: appCmd, Environment: env, Restart: "no"}
	publish := "127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(port)
	switch {
	case topo == "single" || (topo == "image" && n == 1):
		app.Ports = []string{publish}
		app.Deploy = composeLimitsFor(spec, 1, 0)
	case topo == "cluster":
		app.Command = append(app.Command, "--workers", strconv.Itoa(n))
		app.Ports = []string{publish}
		app.Deploy = composeLimitsFor(spec, n, 0)
	default: // replicas, or several instances of an image
		app.Deploy = composeLimitsFor(spec, 1, n)
		upstream := "app:" + strconv.Itoa(port)
		if spec.Balancer == "go" && topo == "replicas" {
			f.Services["balancer"] = composeService{Image: opts.AppImage, Restart: "no", DependsOn: []string{"app"},
				Command: []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--upstream", upstream, "--policy", policy},
				Ports:   []string{"127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(appPort)}}
			break
		}
		files["nginx.conf"] = nginxConf([]string{upstream}, policy, nginxPort)
		f.Services["nginx"] = composeService{Image: opts.NginxImage, Restart: "no", DependsOn: []string{"app"},
			Command: []string{"nginx", "-g", "daemon off;"},
			Volumes: []string{"./nginx.conf:/etc/nginx/nginx.conf:ro"},
			Ports:   []string{"127.0.0.1:" + strconv.Itoa(opts.Port) + ":" + strconv.Itoa(nginxPort)}}
	}
	f.Services["app"] = app
	var buf bytes.Buffer
	buf.WriteString("# Written by `scalebench compose` for target " + strconv.Quote(spec.Name) + " (topology " + topo + ").\n")
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

// composeLimitsFor is the deploy section: replicas (0: omitted) and the
// limits of a container holding `instances` instances.
func composeLimitsFor(spec targets.Spec, instances, replicas int) *composeDeploy {
	d := &composeDeploy{Replicas: replicas}
	var l composeLimits
	if spec.CPUBudget > 0 {
		l.CPUs = strconv.FormatFloat(spec.CPUBudget*float64(instances), 'f', -1, 64)
	}
	if spec.MemoryMB > 0 {
		l.Memory = strconv.Itoa(spec.MemoryMB*instances) + "M"
	}
	if l != (composeLimits{}) {
		d.Resources = &composeResources{Limits: l}
	}
	if d.Replicas == 0 && d.Resources == nil {
		return nil
	}
	return d
}
