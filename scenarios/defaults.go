package scenarios

import (
	"time"

	"github.com/scalebench/scalebench/targets"
)

// Defaults applied when a scenario leaves a field out (docs/scenarios.md
// lists them too).
const (
	defaultVersion        = 1
	defaultDriver         = "process"
	defaultWarmup         = 2 * time.Second
	defaultDuration       = 10 * time.Second
	defaultTimeout        = 5 * time.Second
	defaultGOMAXPROCS     = 1
	defaultStartupTimeout = 20 * time.Second
	defaultMaxWorkers     = 256
	defaultRampWindows    = 10
	defaultErrorRate      = 0.01
	defaultBalancer       = "auto"
	defaultPolicy         = "round_robin"
	defaultHealthBuiltin  = "/healthz"
	defaultHealthOther    = "/"
	defaultTrials         = 1
	defaultMinEffect      = 0.05
)

// newScenario returns a scenario holding every scenario-wide default;
// decoding overwrites what the file sets. Defaults that depend on other
// fields are applied afterwards by applyTargetDefaults.
func newScenario() *Scenario {
	return &Scenario{
		Version: defaultVersion,
		Driver:  defaultDriver,
		Defaults: Defaults{
			Warmup:         Duration(defaultWarmup),
			Duration:       Duration(defaultDuration),
			Timeout:        Duration(defaultTimeout),
			GOMAXPROCS:     defaultGOMAXPROCS,
			StartupTimeout: Duration(defaultStartupTimeout),
			Trials:         defaultTrials,
			MinEffect:      defaultMinEffect,
		},
		Load: LoadShape{MaxWorkers: defaultMaxWorkers},
	}
}

// applyTargetDefaults fills what a target left out: its name, instance
// count, balancer, policy, health path, and the per-instance limits taken
// from the scenario defaults (so after Load they are never nil).
func applyTargetDefaults(t *Target, d Defaults) {
	kind := t.Kind()
	allowed := allowedFields(kind, t.Topology)
	if t.Name == "" {
		switch kind {
		case KindTopology:
			t.Name = t.Topology
		default:
			t.Name = kind
		}
	}
	if contains(allowed, "workers") && t.Workers == 0 {
		t.Workers = defaultInstances(t.Topology)
	}
	if contains(allowed, "replicas") && t.Replicas == 0 {
		t.Replicas = defaultInstances(t.Topology)
		if t.Topology == targets.TopologyMonolith {
			t.Replicas = t.splitInstances() // services.go
		}
	}
	if contains(allowed, "balancer") && t.Balancer == "" {
		t.Balancer = defaultBalancer
	}
	if contains(allowed, "policy") && t.Policy == "" {
		t.Policy = defaultPolicy
	}
	if t.Health == "" && kind != "" {
		t.Health = defaultHealthOther
		if kind == KindTopology {
			t.Health = defaultHealthBuiltin
		}
	}
	// A running service is not limited by scalebench, and GOMAXPROCS only
	// means something to the reference app: 0 says "not set".
	limited := kind == KindTopology || kind == KindCommand || kind == KindImage
	if t.CPUBudget == nil {
		t.CPUBudget = ptr(0.0)
		if limited {
			*t.CPUBudget = d.CPUBudget
		}
	}
	if t.MemoryMB == nil {
		t.MemoryMB = ptr(0)
		if limited {
			*t.MemoryMB = d.MemoryMB
		}
	}
	if t.GOMAXPROCS == nil {
		t.GOMAXPROCS = ptr(0)
		if kind == KindTopology {
			*t.GOMAXPROCS = d.GOMAXPROCS
		}
	}
}

// defaultInstances is the catalog's instance count for a topology, or 1
// (one replica of the user's own server).
func defaultInstances(topology string) int {
	if t, ok := targets.Lookup(topology); ok && t.DefaultInstances > 0 {
		return t.DefaultInstances
	}
	return 1
}
