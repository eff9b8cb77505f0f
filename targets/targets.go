package targets

import (
	"context"
	"time"

	"github.com/scalebench/scalebench/results"
)

// Spec is everything a driver needs to bring up one target. The runner
// builds it from a scenario target with the scenario defaults applied.
type Spec struct {
	// RunID labels everything started for this run (processes, cgroups,
	// containers) so leftovers can be found and removed.
	RunID string
	// Name is the target's name from the scenario.
	Name string
	// Topology is a name from Catalog, or "command" or "url".
	Topology string
	// Instances is the number of app instances: cluster workers or replicas.
	Instances int
	// Balancer is "auto", "nginx" or "go" for balanced topologies.
	Balancer string
	// Policy is "round_robin" or "least_conn".
	Policy string
	// Command is the user's server (topology "command"), started with PORT set.
	Command []string
	// Dir is the working directory of Command.
	Dir string
	// Env is extra environment for every instance.
	Env map[string]string
	// URL is the running service to load (topology "url").
	URL string
	// Image and Port describe a user's container (docker driver).
	Image string
	Port  int
	// Health is the readiness path.
	Health string
	// AppArgs are extra flags for the reference app (`scalebench serve`).
	AppArgs []string
	// QueueWorkers is the number of queue worker processes for topologies
	// with Topology.QueueWorkers (0: the driver's default, 2).
	QueueWorkers int
	// WorkerArgs are extra flags for each `scalebench worker`.
	WorkerArgs []string
	// CPUBudget is CPUs per instance (0: none).
	CPUBudget float64
	// MemoryMB is the memory limit per instance (0: none).
	MemoryMB int
	// GOMAXPROCS for each reference-app instance (0: leave unset).
	GOMAXPROCS int
	// StartupTimeout bounds Up's wait for readiness.
	StartupTimeout time.Duration
	// Retries is how the balancer treats a failed instance: "" (its
	// defaults), "on" (passive health checks, retry on the next instance)
	// or "off" (neither).
	Retries string
	// Database is the PostgreSQL tier to start (nil: none; see database.go).
	Database *DatabaseSpec
	// Microservices is the service graph of topologies microservices and
	// monolith (plan_microservices.go; nil otherwise).
	Microservices *Microservices
	// Autoscale is the target's autoscaler (nil: none). The runner carries
	// it out on drivers without one of their own; the Kubernetes driver
	// hands it to a HorizontalPodAutoscaler.
	Autoscale *Autoscale
}

// Autoscale bounds and aims an autoscaler of the app instances (the
// scenario's autoscale: section).
type Autoscale struct {
	// Min and Max bound the instance count.
	Min, Max int
	// TargetCPU is the wanted CPU use per instance as a fraction of its
	// CPU budget (0.6 = 60%).
	TargetCPU float64
	// Stabilization is how long a lower recommendation must hold before
	// instances are removed (the HPA's scale-down window).
	Stabilization time.Duration
}

// Usage is a snapshot of a deployment's cumulative resource use.
type Usage struct {
	// CPUSeconds is CPU time (user+system) consumed since start, summed over
	// every process of the deployment (instances and balancer).
	CPUSeconds float64
	// RSSBytes is resident memory now, summed over those processes.
	RSSBytes uint64
}

// Deployment is a running target.
type Deployment interface {
	// Endpoint is the base URL to send load to (http://127.0.0.1:PORT).
	Endpoint() string
	// Info records what was started and which limits were enforced.
	Info() results.Deployment
	// Sample reads the deployment's cumulative resource use.
	Sample(ctx context.Context) (Usage, error)
	// Err is non-nil once the deployment has failed for good (an instance
	// died and was not restarted, the balancer exited…).
	Err() error
	// Logs returns the tail of each component's log, keyed by component.
	Logs() map[string]string
	// Down stops everything Up started. It is safe to call more than once.
	Down(ctx context.Context) error
}

// Driver brings targets up. Implementations: targets/process (local
// processes, the default) and targets/docker (containers).
type Driver interface {
	// Name is "process" or "docker".
	Name() string
	// Up starts the target and waits until it is ready or ctx ends.
	Up(ctx context.Context, spec Spec) (Deployment, error)
	// Close releases what the driver holds across targets (cgroups, a
	// network) and removes anything still running. Safe to call twice.
	Close(ctx context.Context) error
	// Warnings are findings about the driver's environment (e.g. CPU
	// budgets cannot be enforced) to print and record.
	Warnings() []string
	// Environment fills driver-specific fields of the run's environment
	// (placement, budget mechanism, component versions).
	Environment(env *results.Environment)
}
