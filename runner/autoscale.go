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
