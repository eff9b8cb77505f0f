package process

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/scalebench/scalebench/targets"
)

// upServiceGraph starts a microservices or monolith target from
// targets.PlanServices: Redis when a hop is queued, then each service,
// callees first, its instances with their own budget and, when it has
// more than one (or it is the entry: the gateway), its own balancer. A
// caller reaches a callee through that balancer, or directly when the
// callee has a single instance.
func (dep *Deployment) upServiceGraph(ctx context.Context) error {
	ps, err := targets.PlanServices(dep.spec)
	if err != nil {
		return err
	}
	var redisAddr string
	if targets.NeedsRedis(ps) {
		if redisAddr, err = dep.startRedis(ctx, "store"); err != nil {
			return err
		}
	}
	entry := targets.ServiceEntry(dep.spec)
	urls := map[string]string{}
	var kind, policy string
	for _, p := range ps {
		rs, err := dep.startService(ctx, p, urls, redisAddr)
		if err != nil {
			return fmt.Errorf("service %s: %w", p.Name, err)
		}
		if p.Replicas > 1 || p.Name == entry {
			b, err := dep.startServiceBalancer(ctx, p.Name, rs.ports)
			if err != nil {
				return fmt.Errorf("service %s: balancer: %w", p.Name, err)
			}
			kind, policy = b.kind, b.policy
			urls[p.Name] = baseURL(b.port)
		} else {
			urls[p.Name] = baseURL(rs.ports[0])
		}
		dep.addService(targets.RunningService{Name: p.Name, Replicas: p.Replicas, CPUBudget: p.CPUs,
			Instances: rs.urls(), External: len(p.Command) > 0, Consumer: p.Consumer})
	}
	dep.setInstances(targets.TotalInstances(ps), kind, policy)
	dep.endpoint = urls[entry]
	dep.addNote(serviceNote(ps))
	return nil
}

// runningInstances are one service's started instances.
type runningInstances struct {
	procs []*proc
	ports []int
}

func (r runningInstances) urls() []string {
	out := make([]string, len(r.ports))
	for i, p := range r.ports {
		out[i] = baseURL(p)
	}
	return out
}

// startService starts p's instances (the app in service mode, or the
// user's command with PORT set) and waits until each is ready.
func (dep *Deployment) startService(ctx context.Context, p targets.PlannedService, urls map[string]string, redisAddr string) (runningInstances, error) {
	var rs runningInstances
	exe, err := dep.driver.exe()
	if err != nil {
		return rs, err
	}
	health := "/healthz"
	if len(p.Command) > 0 {
		health = dep.layout.Health
	}
	for i := 1; i <= p.Replicas; i++ {
		port, err := freePort()
		if err != nil {
			return rs, err
		}
		name := component(p.Name, i)
		ps := processSpec{component: name, limits: limits{cpus: p.CPUs, memoryMB: dep.spec.MemoryMB}, port: port, dir: p.Dir}
		if len(p.Command) > 0 {
			ps.argv, ps.env = p.Command, append(joinEnv(os.Environ(), dep.spec.Env), "PORT="+strconv.Itoa(port))
		} else {
			ps.argv, ps.env = serviceArgv(exe, p, port, name, urls, redisAddr), dep.appEnv()
		}
		proc, err := dep.startProcess(ps)
		if err != nil {
			return rs, err
		}
		rs.procs, rs.ports = append(rs.procs, proc), append(rs.ports, port)
	}
	for i, proc := range rs.procs {
		if err := dep.waitReady(ctx, baseURL(rs.ports[i])+health, proc); err != nil {
			return rs, err
		}
	}
	return rs, nil
}

// serviceArgv is one reference-app instance of p with its callees'
// addresses.
func serviceArgv(exe string, p targets.PlannedService, port int, id string, urls map[string]string, redisAddr string) []string {
	argv := append([]string{exe}, p.Args...)
	argv = append(argv, "--port", strconv.Itoa(port), "--id", id)
	for _, c := range p.Calls {
		argv = append(argv, "--call", c+"="+urls[c])
	}
	if p.Redis {
		argv = append(argv, "--redis", redisAddr)
	}
	return argv
}

// startServiceBalancer puts a balancer of the spec's kind in front of one
// service's instances, under names of its own (NAME-nginx,
// NAME-balancer), and waits for it.
func (dep *Deployment) startServiceBalancer(ctx context.Context, name string, ports []int) (*balancer, error) {
	b, err := dep.startBalancerWith(ports,
		func(port int, ports []int, policy string) (*proc, error) {
			return dep.startServiceNginx(name, port, ports, policy)
		},
		func(port int, ports []int, policy string) (*proc, error) {
			return dep.startServiceGoBalancer(name, port, ports, policy)
		})
	if err != nil {
		return nil, err
	}
	if err := dep.waitReady(ctx, baseURL(b.port)+"/healthz", b.proc); err != nil {
		return nil, err
	}
	return b, nil
}

func (dep *Deployment) startServiceNginx(name string, port int, ports []int, policy string) (*proc, error) {
	bin, err := lookNginx()
	if err != nil {
		return nil, err
	}
	prefix := filepath.Join(dep.logDir, dep.prefix+"-"+name+"-nginx")
	conf, err := writeNginxConf(prefix, port, ports, policy, dep.spec.Retries)
	if err != nil {
		return nil, err
	}
	if v := nginxVersion(bin); v != "" {
		dep.driver.noteComponent("nginx", v)
	}
	return dep.startProcess(processSpec{component: name + "-nginx", argv: []string{bin, "-p", prefix + "/", "-c", conf, "-e", "stderr"},
		env: os.Environ(), stopSig: syscall.SIGQUIT, port: port})
}

func (dep *Deployment) startServiceGoBalancer(name string, port int, ports []int, policy string) (*proc, error) {
	exe, err := dep.driver.exe()
	if err != nil {
		return nil, err
	}
	ups := make([]string, len(ports))
	for i, p := range ports {
		ups[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	argv := []string{exe, "balance", "--port", strconv.Itoa(port), "--upstream", strings.Join(ups, ","), "--policy", policy}
	return dep.startProcess(processSpec{component: name + "-balancer", argv: argv, env: os.Environ(), port: port})
}

// addService records a running service for the runner's meter.
func (dep *Deployment) addService(s targets.RunningService) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	dep.services = append(dep.services, s)
}

// Services lists the running services of a microservices or monolith
// target, callees first (targets.ServiceDeployment).
func (dep *Deployment) Services() []targets.RunningService {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return append([]targets.RunningService(nil), dep.services...)
}

// serviceNote says what was started, e.g. "services: auth ×2 (0.25 CPU
// each), core ×3 …".
func serviceNote(ps []targets.PlannedService) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s ×%d", p.Name, p.Replicas)
		if p.CPUs > 0 {
			parts[i] += fmt.Sprintf(" (%g CPU each)", p.CPUs)
		}
	}
	return "services: " + strings.Join(parts, ", ") + "; a service with more than one instance (and the entry, as the gateway) has its own balancer"
}
