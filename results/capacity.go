package results

// This file holds the capacity-planning contract (issue 12): a capacity
// search's summary, a scaling sweep's USL fit and sizing, and the CPU-fit
// check. Every field is documented in docs/results.md.

// Search summarises a target's capacity search (load.search).
type Search struct {
	// From, To and Resolution are the search's settings (req/s, fraction).
	From       float64 `json:"from"`
	To         float64 `json:"to"`
	Resolution float64 `json:"resolution"`
	// MaxTimeS is the cap on the search's time, in seconds.
	MaxTimeS float64 `json:"max_time_s"`
	// Probes is the number of probe steps run; ElapsedS their total time.
	Probes   int     `json:"probes"`
	ElapsedS float64 `json:"elapsed_s"`
	// Stop is how the search ended: "converged", "search_to" (to passed),
	// "below_from" (from failed), "generator_ceiling", "max_time",
	// "max_probes", "interrupted" or "failed".
	Stop string `json:"stop"`
	// MaxTimeHit is true when the time cap ended the search.
	MaxTimeHit bool `json:"max_time_hit,omitempty"`
	// LowerBound is true when the capacity is only a lower bound (no rate
	// above it failed, or the generator could not send more).
	LowerBound bool `json:"lower_bound,omitempty"`
	// Detail is the sentence of the probe that set the upper bound.
	Detail string `json:"detail,omitempty"`
}

// CPUFit compares the CPUs a target asks for (instances × cpu_budget, plus
// 0.1 for a balancer) with the CPUs the targets get.
type CPUFit struct {
	// RequestedCPUs and AvailableCPUs are in CPUs (available 0: unknown).
	RequestedCPUs float64 `json:"requested_cpus"`
	AvailableCPUs float64 `json:"available_cpus"`
	// Oversubscribed is true when RequestedCPUs exceeds AvailableCPUs.
	Oversubscribed bool `json:"oversubscribed"`
}

// Scaling is one scaling sweep (replicas: [..] or workers: [..]): the
// capacity of each size, the Universal Scalability Law fitted to them, and
// the instance count for the target rate.
type Scaling struct {
	// Target is the scenario target swept; its variants are target@N.
	Target string `json:"target"`
	// Topology is the variants' topology; Dimension "replicas" or "workers".
	Topology  string `json:"topology"`
	Dimension string `json:"dimension"`
	// CPUBudget is the CPUs per instance (0: none).
	CPUBudget float64 `json:"cpu_budget,omitempty"`
	// Instances lists the sizes measured, ascending; CapacityRate and
	// CapacityInterval their capacities (req/s) and search intervals.
	Instances        []int      `json:"instances"`
	CapacityRate     []float64  `json:"capacity_rate"`
	CapacityInterval []Interval `json:"capacity_interval,omitempty"`
	// Skipped lists sizes of the sweep not measured, with why, as "N: why".
	Skipped []string `json:"skipped,omitempty"`
	// USL is the fit (nil when fewer than three sizes have a capacity).
	USL *USLFit `json:"usl,omitempty"`
	// PeakInstances is N* = √((1−σ)/κ), where throughput peaks (0: no
	// peak, κ = 0); PeakInstancesCI its 95% interval (hi 0: unbounded).
	PeakInstances   float64   `json:"peak_instances,omitempty"`
	PeakInstancesCI *Interval `json:"peak_instances_ci,omitempty"`
	// PeakRate is the modelled throughput at N* (req/s; 0: no peak).
	PeakRate float64 `json:"peak_rate,omitempty"`
	// Diagnosis is "near-linear", "contention-bound" or "coherency-bound".
	Diagnosis string `json:"diagnosis,omitempty"`
	// Sizing answers the target rate (nil when none was asked).
	Sizing *Sizing `json:"sizing,omitempty"`
	// Summary is the sentence every output shows.
	Summary string `json:"summary,omitempty"`
	// Warnings are findings about the sweep (oversubscription, few sizes).
	Warnings []string `json:"warnings,omitempty"`
}

// USLFit is X(N) = λN / (1 + σ(N−1) + κN(N−1)) fitted by nonlinear least
// squares, with 95% bootstrap intervals.
type USLFit struct {
	// Sigma is contention (the serialised share), Kappa coherency
	// (crosstalk), Lambda the throughput of one instance without
	// overhead (req/s), R2 the coefficient of determination.
	Sigma  float64 `json:"sigma"`
	Kappa  float64 `json:"kappa"`
	Lambda float64 `json:"lambda"`
	R2     float64 `json:"r2"`
	// SigmaCI, KappaCI, LambdaCI and R2CI are their 95% intervals.
	SigmaCI  Interval `json:"sigma_ci"`
	KappaCI  Interval `json:"kappa_ci"`
	LambdaCI Interval `json:"lambda_ci"`
	R2CI     Interval `json:"r2_ci"`
}

// Sizing is how many instances hold the target rate under the SLO.
type Sizing struct {
	// TargetRate is the rate asked for (req/s).
	TargetRate float64 `json:"target_rate"`
	// Instances is the smallest size the model says holds it (0: none
	// does, the peak is below it); InstancesCI its 95% interval (hi 0: in
	// part of the bootstrap no size reaches it).
	Instances   int    `json:"instances"`
	InstancesCI [2]int `json:"instances_ci"`
	// Measured is the smallest measured size whose capacity reached the
	// rate (0: none did).
	Measured int `json:"measured,omitempty"`
	// Extrapolated is true when Instances lies outside the measured
	// sizes; Beyond is by how many (negative: below the smallest).
	Extrapolated bool `json:"extrapolated"`
	Beyond       int  `json:"beyond,omitempty"`
	// Answer is the sentence a team asks for.
	Answer string `json:"answer"`
	// Warnings explain extrapolation and disagreement with measurements.
	Warnings []string `json:"warnings,omitempty"`
}
