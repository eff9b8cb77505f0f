// Package swarm is the Docker Swarm driver (`--driver swarm`): it carries
// out a target's layout (targets.Plan) as Swarm services on one attachable
// overlay network per target, the way `docker stack deploy` with
// `deploy: replicas: N` runs it in production.
//
// In the flow it sits behind the runner (New, then Up and Down per target,
// then Close), like targets/process and targets/docker:
//
//	runner ──Up(spec)──▶ Driver ──Plan──▶ services app (N replicas), balancer, redis, worker
//	                          overlay network sb-<run>-<target>, endpoint mode dnsrr
//	load ──▶ 127.0.0.1:P ──▶ relay container ──▶ balancer service ──▶ app tasks
//
// Each component is one service whose replica count is the component's;
// CPU and memory budgets are the service's resource limits; a balancer's
// nginx configuration is a Swarm config mounted into its tasks. Services
// use endpoint mode dnsrr and are reached by their component name (a
// network alias): the routing mesh's virtual IPs need IPVS, which not every
// kernel has, and the balancer in front of the replicas is the
// architecture being measured anyway. The load generator on the host
// reaches the entry through a relay container (`scalebench relay`) on the
// same network whose port is published on 127.0.0.1 only.
//
// Everything is labelled like the docker driver's resources (scalebench=1,
// the run id, and the owning process), removed by Down, Close and on every
// error path, and swept by the next New or `scalebench clean` when its run
// is no longer alive. When the engine is not part of a swarm, New makes it
// a single-node swarm on 127.0.0.1 and Close leaves it again (removing the
// docker_gwbridge network the engine leaves behind), so the machine is as
// it was found.
package swarm
