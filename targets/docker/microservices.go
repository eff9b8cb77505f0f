package docker

import (
	"context"
	"fmt"
	"strconv"

	"github.com/scalebench/scalebench/targets"
)

// plannedService is where a service's containers sit in a plan.
type plannedService struct {
	targets.PlannedService
	// apps are the indexes of its instances' containers.
	apps []int
}

// planServiceGraph plans a microservices or monolith target from
// targets.PlanServices, like the process driver: Redis when a hop is
// queued, then each service callees first, its instances with their own
// budget and, when it has more than one (or it is the entry: the
// gateway), its own balancer. Callers reach a callee by container name on
// the run's network: its balancer, or its one instance.
func (d *Driver) planServiceGraph(ctx context.Context, p *plan, spec targets.Spec, base string, env []string, policy string) error {
	ps, err := targets.PlanServices(spec)
	if err != nil {
		return err
	}
	img, err := d.ensureAppImage(ctx)
	if err != nil {
		return err
	}
	p.info.Images["app"] = img
	p.health = defaultAppHealth
	redisAddr := ""
	if targets.NeedsRedis(ps) {
		if err := ensureImage(ctx, d.pool, d.opts.RedisImage, EnvRedisImage); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		rs := d.redisSpec(spec.Name, base+"-redis", "store")
		p.redis = len(p.containers)
		p.containers = append(p.containers, rs)
		p.info.Images["redis"] = rs.image
		redisAddr = rs.name + ":" + strconv.Itoa(redisPort)
	}
	entry := spec.Microservices.Entry
	if spec.Topology == targets.TopologyMonolith {
		entry = targets.TopologyMonolith
	}
	addr := map[string]string{}
	entryIndex := -1
	for _, s := range ps {
		if len(s.Command) > 0 {
			return fmt.Errorf("service %s runs a command, which the docker driver cannot start: package it as an image or use --driver process", s.Name)
		}
		svc := plannedService{PlannedService: s}
		for i := 1; i <= s.Replicas; i++ {
			id := s.Name + "-" + strconv.Itoa(i)
			cs := d.appContainer(spec, img, base+"-"+id, id, env, 1, nil)
			cs.cmd = serviceCmd(s, id, addr, redisAddr)
			cs.cpus = s.CPUs
			svc.apps = append(svc.apps, len(p.containers))
			p.containers = append(p.containers, cs)
		}
		p.backends = append(p.backends, svc.apps...)
		addr[s.Name] = "http://" + p.containers[svc.apps[0]].name + ":" + strconv.Itoa(appPort)
		if s.Replicas > 1 || s.Name == entry {
			if err := d.addBalancer(ctx, p, spec, base+"-"+s.Name, svc.apps, appPort, policy); err != nil {
				return fmt.Errorf("service %s: %w", s.Name, err)
			}
			b := p.containers[p.entry]
			addr[s.Name] = "http://" + b.name + ":" + strconv.Itoa(b.port)
			if s.Name == entry {
				entryIndex = p.entry
			} else {
				p.backends = append(p.backends, p.entry)
			}
		}
		p.services = append(p.services, svc)
	}
	p.entry = entryIndex
	p.info.Instances = targets.TotalInstances(ps)
	p.info.Notes = append(p.info.Notes, "one container per service instance, each with its service's CPU budget; a service with more than one instance (and the entry, as the gateway) has its own balancer")
	return nil
}

// serviceCmd is one reference-app instance of s, its callees reached by
// their container names.
func serviceCmd(s targets.PlannedService, id string, addr map[string]string, redisAddr string) []string {
	cmd := append([]string{}, s.Args...)
	cmd = append(cmd, "--addr", "0.0.0.0", "--port", strconv.Itoa(appPort), "--id", id)
	for _, c := range s.Calls {
		cmd = append(cmd, "--call", c+"="+addr[c])
	}
	if s.Redis {
		cmd = append(cmd, "--redis", redisAddr)
	}
	return cmd
}

// recordServices keeps the running services of a service graph, with
// their instances' published ports, for the runner's meter.
func (dep *deployment) recordServices(p plan) {
	for _, s := range p.services {
		rs := targets.RunningService{Name: s.Name, Replicas: s.Replicas, CPUBudget: s.CPUs, Consumer: s.Consumer}
		for _, i := range s.apps {
			rs.Instances = append(rs.Instances, "http://127.0.0.1:"+strconv.Itoa(dep.containers[i].hostPort))
		}
		dep.services = append(dep.services, rs)
	}
}

// Services lists the running services of a microservices or monolith
// target (targets.ServiceDeployment).
func (dep *deployment) Services() []targets.RunningService {
	return append([]targets.RunningService(nil), dep.services...)
}
