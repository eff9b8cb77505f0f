package docker

import (
	"strconv"

	"github.com/scalebench/scalebench/targets"
)

// plannedService is one service of a service graph as containers.
type plannedService struct {
	name     string
	replicas int
	cpus     float64
	consumer bool
	// containers are the indexes of its instances.
	containers []int
}

// service adds the instances of one service of a microservices or
// monolith layout, with their own CPU budget, and, for a service the
// gateway does not front with several replicas, a balancer of its own
// (NAME-nginx or NAME-balancer) its callers reach it through.
func (pl *planner) service(c targets.Component) error {
	pl.apps(c)
	idx := pl.of[c.Name]
	s, _ := pl.spec.Microservices.Service(c.Name)
	pl.p.services = append(pl.p.services, plannedService{name: c.Name, replicas: c.Replicas, cpus: c.CPUs, consumer: s.Queue, containers: idx})
	if f, _ := pl.layout.Fleet(); f.Name == c.Name {
		return nil // the gateway's backends
	}
	pl.p.ready = append(pl.p.ready, idx...)
	if c.Replicas == 1 {
		return nil
	}
	cs, err := pl.balancerSpec(c.Name+"-", pl.upstreams(c.Name))
	if err != nil {
		return err
	}
	pl.via[c.Name] = cs.name + ":" + strconv.Itoa(cs.port)
	pl.p.ready = append(pl.p.ready, len(pl.p.containers))
	pl.p.containers = append(pl.p.containers, cs)
	return nil
}

// recordServices records the running services of p for the runner's
// meter, each instance at its published port.
func (dep *deployment) recordServices(p plan) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for _, s := range p.services {
		rs := targets.RunningService{Name: s.name, Replicas: s.replicas, CPUBudget: s.cpus, Consumer: s.consumer}
		for _, i := range s.containers {
			rs.Instances = append(rs.Instances, "http://127.0.0.1:"+strconv.Itoa(dep.containers[i].hostPort))
		}
		dep.services = append(dep.services, rs)
	}
}

// Services lists the running services of a microservices or monolith
// target, callees first (targets.ServiceDeployment).
func (dep *deployment) Services() []targets.RunningService {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return append([]targets.RunningService(nil), dep.services...)
}
