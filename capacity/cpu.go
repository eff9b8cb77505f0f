package capacity

import "fmt"

// BalancerCPU is the CPU share counted for a balancer in front of
// replicas: it has no budget of its own, and proxying costs roughly a
// tenth of a core at the rates a 2-core machine can drive (an estimate,
// documented in docs/capacity.md).
const BalancerCPU = 0.1

// CPUAsk is what a target asks of the machine.
type CPUAsk struct {
	// Instances is the number of application instances.
	Instances int
	// Budget is CPUs per instance (0: no budget: each instance may use
	// GOMAXPROCS CPUs).
	Budget float64
	// GOMAXPROCS per instance (0: unknown, counted as 1).
	GOMAXPROCS int
	// Balanced is true when a balancer runs in front of the instances.
	Balanced bool
}

// CPUs is how many CPUs the target asks for.
func (a CPUAsk) CPUs() float64 {
	per := a.Budget
	if per <= 0 {
		per = float64(max(a.GOMAXPROCS, 1))
	}
	total := per * float64(a.Instances)
	if a.Balanced {
		total += BalancerCPU
	}
	return total
}

// CPUFit compares what a target asks for with the CPUs the targets get.
type CPUFit struct {
	// Requested and Available are in CPUs.
	Requested, Available float64
	// Oversubscribed is true when Requested exceeds Available.
	Oversubscribed bool
	// Warning is the sentence saying so ("" when it fits).
	Warning string
}

// Check returns how ask fits on available CPUs (≤ 0: unknown, always fits).
func Check(name string, ask CPUAsk, available float64) CPUFit {
	f := CPUFit{Requested: ask.CPUs(), Available: available}
	if available <= 0 || f.Requested <= available+1e-9 {
		return f
	}
	f.Oversubscribed = true
	what := fmt.Sprintf("%d × %g CPU", ask.Instances, ask.Budget)
	if ask.Budget <= 0 {
		what = fmt.Sprintf("%d instances × GOMAXPROCS %d", ask.Instances, max(ask.GOMAXPROCS, 1))
	}
	if ask.Balanced {
		what += fmt.Sprintf(" + %g for the balancer", BalancerCPU)
	}
	f.Warning = fmt.Sprintf("target %q oversubscribes the CPUs: it asks for %s = %.2f CPUs but the targets get %g; its instances share them, so its figures understate what %d instances of this size would do on their own CPUs",
		name, what, f.Requested, available, ask.Instances)
	return f
}
