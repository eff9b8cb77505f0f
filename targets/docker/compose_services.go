package docker

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/targets"
)

// composeServiceGraph exports a microservices or monolith target from the
// registry's plan (targets.Plan): Redis when a hop is queued, one compose
// service per service with its replicas and budget (callers reach it by
// name: compose's DNS spreads them over its replicas), and the gateway
// (nginx, or the Go balancer) in front of the entry, published on
// 127.0.0.1.
func composeServiceGraph(spec targets.Spec, opts ComposeOptions, env []string, header string) (map[string][]byte, error) {
	if opts.AppImage == "" {
		return nil, fmt.Errorf("compose %q: no app image", spec.Name)
	}
	l, err := targets.Plan(spec)
	if err != nil {
		return nil, fmt.Errorf("compose %q: %w", spec.Name, err)
	}
	files := map[string][]byte{}
	f := composeFile{Services: map[string]composeService{}}
	var apps []string
	for _, c := range l.Components {
		switch c.Role {
		case targets.RoleRedis:
			f.Services[c.Name] = composeService{Image: opts.RedisImage, Command: redisCmd("store"), Restart: "no"}
		case targets.RoleApp:
			s := composeService{Image: opts.AppImage, Command: c.Args, Environment: env, Restart: "no"}
			if _, ok := l.Component("redis"); ok {
				s.DependsOn = []string{"redis"}
			}
			limited := spec
			limited.CPUBudget = c.CPUs
			composeLimitsFor(&s, limited, 1, c.Replicas)
			f.Services[c.Name] = s
			apps = append(apps, c.Name)
		case targets.RoleBalancer:
			b, err := composeGateway(spec, opts, l, c, files)
			if err != nil {
				return nil, err
			}
			b.DependsOn = apps
			f.Services[c.Name] = b
		}
	}
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("compose %q: %w", spec.Name, err)
	}
	files["docker-compose.yml"] = buf.Bytes()
	return files, nil
}

// composeGateway is the balancer in front of the entry service.
func composeGateway(spec targets.Spec, opts ComposeOptions, l targets.Layout, c targets.Component, files map[string][]byte) (composeService, error) {
	upstream := c.Upstream + ":" + strconv.Itoa(appPort)
	publish := "127.0.0.1:" + strconv.Itoa(opts.Port) + ":"
	if l.Balancer == "go" {
		return composeService{Image: opts.AppImage, Restart: "no",
			Command: []string{"balance", "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--upstream", upstream, "--policy", l.Policy},
			Ports:   []string{publish + strconv.Itoa(appPort)}}, nil
	}
	conf, err := nginxConf([]string{upstream}, l.Policy, nginxPort, spec.Retries)
	if err != nil {
		return composeService{}, fmt.Errorf("compose %q: %w", spec.Name, err)
	}
	files["nginx.conf"] = conf
	return composeService{Image: opts.NginxImage, Restart: "no", Command: nginxCmd,
		Volumes: []string{"./nginx.conf:" + nginxConfPath + ":ro"},
		Ports:   []string{publish + strconv.Itoa(nginxPort)}}, nil
}
