package runner

import (
	"context"
	"time"

	"github.com/scalebench/scalebench/faults"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
)

// autoscalable is what the autoscaler needs from a deployment.
type autoscalable interface {
	// InstanceCPU is the CPU time used so far by the instances now behind
	// the balancer (the balancer and Redis excluded), and how many there are.
	InstanceCPU(ctx context.Context) (cpuSeconds float64, instances int, err error)
	// Scale adds or removes instances until there are to.
	Scale(ctx context.Context, to int, drain time.Duration) error
}

// clusterAutoscaled is a deployment whose cluster runs the target's
// autoscaler itself (the Kubernetes driver's HorizontalPodAutoscaler): the
// runner follows its decisions instead of making its own, so the two
// never fight over the replica count.
type clusterAutoscaled interface {
	// AutoscaledReplicas is the instance count the cluster's autoscaler
	// has set, and the CPU utilisation (of the budget) it acted on.
	AutoscaledReplicas(ctx context.Context) (replicas int, utilization float64, err error)
	// Follow waits until replicas instances are ready and behind the
	// balancer.
	Follow(ctx context.Context, replicas int) error
}

// startAutoscale runs the runner's autoscaler, or follows the cluster's.
func (fr *faultRun) startAutoscale(a scenarios.Autoscale) {
	if ca, ok := fr.dep.(clusterAutoscaled); ok {
		fr.note("autoscale: carried out by the cluster's HorizontalPodAutoscaler (min %d, max %d, target %.0f%% of the CPU request); scalebench records its decisions, read every %v", a.Min, a.Max, a.TargetCPU*100, a.Period.D())
		fr.wg.Go(func() { fr.followCluster(ca, a) })
		return
	}
	if as, ok := fr.dep.(autoscalable); ok {
		fr.wg.Go(func() { fr.autoscale(as, a) })
		return
	}
	fr.note("autoscale: the %s driver cannot measure instance CPU on this target", fr.dep.Info().Driver)
}

// followCluster reads the cluster autoscaler's replica count every period
// and records each change as a scale event once the new count is ready.
// A count it failed to follow is recorded once, not every period.
func (fr *faultRun) followCluster(ca clusterAutoscaled, a scenarios.Autoscale) {
	failed := 0
	for sleep(fr.ctx, a.Period.D()) {
		to, util, err := ca.AutoscaledReplicas(fr.ctx)
		n := fr.instances()
		if err != nil || to == n || to == failed || to < 1 {
			continue
		}
		start := time.Now()
		err = ca.Follow(fr.ctx, to)
		if fr.ctx.Err() != nil {
			return
		}
		if failed = 0; err != nil {
			failed = to
		}
		fr.scaled(start, results.ScaleEvent{From: n, To: to, Utilization: util, Reason: "autoscale"}, err)
	}
}

// scaleDownDrain is how long an instance the autoscaler removes keeps
// finishing its in-flight requests.
const scaleDownDrain = time.Second

// autoscale runs the HPA loop until the faults' context ends: every period
// it reads the instances' CPU use over the period, as a fraction of their
// budget, and scales to the stabilized Desired count.
func (fr *faultRun) autoscale(as autoscalable, a scenarios.Autoscale) {
	stab := faults.Stabilizer{Window: a.Stabilization.D()}
	lastCPU, _, err := as.InstanceCPU(fr.ctx)
	last := time.Now()
	if err != nil {
		fr.note("autoscale: %v", err)
		return
	}
	for sleep(fr.ctx, a.Period.D()) {
		cpu, n, err := as.InstanceCPU(fr.ctx)
		now := time.Now()
		if err != nil || n == 0 {
			continue
		}
		util := (cpu - lastCPU) / now.Sub(last).Seconds() / (float64(n) * fr.budget)
		lastCPU, last = cpu, now
		if util < 0 {
			continue // an instance was replaced (a fault) and took its CPU time with it
		}
		to := stab.Next(now, faults.Desired(n, util, a.TargetCPU, a.Min, a.Max))
		if to == n {
			continue
		}
		err = as.Scale(fr.ctx, to, scaleDownDrain)
		if fr.ctx.Err() != nil {
			return
		}
		fr.scaled(now, results.ScaleEvent{From: n, To: to, Utilization: util, Reason: "autoscale"}, err)
		// New instances start with fresh CPU counters and removed ones take
		// theirs away: measure the next period from now.
		lastCPU, _, _ = as.InstanceCPU(fr.ctx)
		last = time.Now()
	}
}
