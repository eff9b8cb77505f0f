package results

import (
	"time"
)

// SchemaVersion is the version of the results.json contract written by this
// build. Readers accept any file whose major version they know.
const SchemaVersion = "1.1"

// Run is the whole content of results.json: one scenario run against one or
// more targets. Field names are a contract (see docs/results.md); never rename.
type Run struct {
	// SchemaVersion identifies the layout of this file.
	SchemaVersion string `json:"schema_version"`
	// ID is the run id, also the name of its folder under results/runs/.
	ID string `json:"id"`
	// Scenario is the name of the scenario that was run.
	Scenario string `json:"scenario"`
	// Description is the scenario's description, as written.
	Description string `json:"description,omitempty"`
	// ScenarioFile is the path (or built-in name) the scenario came from.
	ScenarioFile string `json:"scenario_file,omitempty"`
	// ScenarioYAML is the scenario text exactly as run, for reproduction.
	ScenarioYAML string `json:"scenario_yaml,omitempty"`
	// Quick is true for a --quick smoke run: steps were shortened, the
	// numbers are not for decisions.
	Quick bool `json:"quick,omitempty"`
	// Model is "open" (constant arrival rate) or "closed" (fixed concurrency).
	Model string `json:"model"`
	// SLO is the service-level objective steps were judged against, if any.
	SLO *SLO `json:"slo,omitempty"`
	// StartedAt and FinishedAt bound the run in wall-clock time (UTC).
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitempty"`
	// Status is "running", "completed", "interrupted", "failed" or
	// "abandoned" (scalebench died mid-run; a later run or `scalebench
	// clean` found it and stopped what it had started).
	Status string `json:"status"`
	// Environment describes the machine and the components used.
	Environment Environment `json:"environment"`
	// Targets holds one entry per target, in scenario order.
	Targets []Target `json:"targets"`
	// Warnings are run-wide findings that did not stop the run.
	Warnings []string `json:"warnings,omitempty"`
	// Trials is how many times each step was measured (0 or 1: once).
	Trials int `json:"trials,omitempty"`
	// Analysis is what the verdict is made from (recomputed by report).
	Analysis *Analysis `json:"analysis,omitempty"`
	// Scaling holds one entry per scaling sweep: capacity per size, the
	// USL fit and the instance count for the target rate (capacity.go).
	Scaling []Scaling `json:"scaling,omitempty"`
}

// SLO is a latency and error-rate objective.
type SLO struct {
	// P99Ms is the highest acceptable p99 latency in milliseconds (0: none).
	P99Ms float64 `json:"p99_ms,omitempty"`
	// ErrorRate is the highest acceptable fraction of failed requests (0..1).
	ErrorRate float64 `json:"error_rate"`
	// DeliveryRatio is the lowest acceptable WebSocket delivery ratio
	// (0..1; 0: not judged).
	DeliveryRatio float64 `json:"delivery_ratio,omitempty"`
	// TargetRate is the rate sweeps are sized for (req/s; 0: none).
	TargetRate float64 `json:"target_rate,omitempty"`
	// P50Ms, P90Ms, P95Ms and P999Ms are the highest acceptable p50, p90,
	// p95 and p99.9 latencies in milliseconds (0: none), like P99Ms.
	P50Ms  float64 `json:"p50_ms,omitempty"`
	P90Ms  float64 `json:"p90_ms,omitempty"`
	P95Ms  float64 `json:"p95_ms,omitempty"`
	P999Ms float64 `json:"p999_ms,omitempty"`
}

// Environment records where and how the run was measured.
type Environment struct {
	// Driver is the target driver: "process" or "docker".
	Driver string `json:"driver"`
	// Hostname of the machine that ran scalebench.
	Hostname string `json:"hostname,omitempty"`
	// OS and Arch are Go's runtime.GOOS and runtime.GOARCH.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// Kernel is the kernel release (uname -r).
	Kernel string `json:"kernel,omitempty"`
	// CPUModel is the processor model name.
	CPUModel string `json:"cpu_model,omitempty"`
	// CPUs is the number of logical CPUs usable by scalebench.
	CPUs int `json:"cpus"`
	// MemoryBytes is the total memory of the machine.
	MemoryBytes uint64 `json:"memory_bytes,omitempty"`
	// GoVersion is the Go version scalebench was built with.
	GoVersion string `json:"go_version"`
	// ScalebenchVersion is the version of scalebench itself.
	ScalebenchVersion string `json:"scalebench_version"`
	// Components maps component names (nginx, redis, docker…) to versions.
	Components map[string]string `json:"components,omitempty"`
	// GitCommit is the commit of the repository holding the scenario, if any.
	GitCommit string `json:"git_commit,omitempty"`
	// GeneratorCPUs lists the CPUs the load generator was pinned to (empty: not pinned).
	GeneratorCPUs []int `json:"generator_cpus,omitempty"`
	// TargetCPUs lists the CPUs the targets were pinned to (empty: not pinned).
	TargetCPUs []int `json:"target_cpus,omitempty"`
	// CPUBudgetEnforced says whether per-instance CPU budgets were enforced.
	CPUBudgetEnforced bool `json:"cpu_budget_enforced"`
	// CPUBudgetMechanism names how: "cgroup-v1", "cgroup-v2", "docker", or "" when not.
	CPUBudgetMechanism string `json:"cpu_budget_mechanism,omitempty"`
}

// Target is the measurement of one architecture.
type Target struct {
	// Name is the target's name from the scenario.
	Name string `json:"name"`
	// Topology is the architecture: single, cluster, replicas, command, url, …
	Topology string `json:"topology"`
	// Description says what the topology models, in one sentence.
	Description string `json:"description,omitempty"`
	// Status is "ok", "failed" (it could not start, or died mid-run),
	// "skipped" or "interrupted".
	Status string `json:"status"`
	// Error explains a failed or interrupted target.
	Error string `json:"error,omitempty"`
	// Deployment records what was started and which limits were enforced.
	Deployment Deployment `json:"deployment"`
	// SLOPassed is true when every valid step met the SLO (nil: no SLO).
	SLOPassed *bool `json:"slo_passed,omitempty"`
	// CapacityRate is the highest offered rate (or concurrency) whose step
	// met the SLO and was valid; 0 when none did or there is no SLO.
	CapacityRate float64 `json:"capacity_rate,omitempty"`
	// Steps holds one entry per load step, in order.
	Steps []Step `json:"steps"`
	// Warnings are target-wide findings that did not stop the run.
	Warnings []string `json:"warnings,omitempty"`
	// Jobs accounts for every accepted job (queue topology only).
	Jobs *Jobs `json:"jobs,omitempty"`
	// Logs holds the tail of each instance's log when the target failed.
	Logs map[string]string `json:"logs,omitempty"`
	// Faults holds what each of the scenario's faults cost (see faults.go).
	Faults []Fault `json:"faults,omitempty"`
	// ScaleEvents lists the instance-count changes (autoscale, scale faults).
	ScaleEvents []ScaleEvent `json:"scale_events,omitempty"`
	// StartedAt and FinishedAt bound this target's measurement.
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitempty"`
	// CapacityInterval bounds CapacityRate after a capacity search:
	// [highest pass, lowest fail] in req/s (hi 0: no rate failed).
	CapacityInterval *Interval `json:"capacity_interval,omitempty"`
	// CapacityReason is why the probe just above the capacity failed:
	// "p99", "errors" or "saturation"; or, when none failed,
	// "generator_ceiling", "search_to", "max_time".
	CapacityReason string `json:"capacity_reason,omitempty"`
	// Search summarises the capacity search (load.search; nil otherwise).
	Search *Search `json:"search,omitempty"`
	// Sweep is the scenario target this one is a size of (targets named
	// sweep@N); SweepSize is N. Empty when not part of a sweep.
	Sweep     string `json:"sweep,omitempty"`
	SweepSize int    `json:"sweep_size,omitempty"`
	// CPUFit compares the CPUs the target asks for with those the targets
	// get; oversubscription is also a warning.
	CPUFit *CPUFit `json:"cpu_fit,omitempty"`
}

// Deployment is what a driver actually started for a target.
type Deployment struct {
	// Driver is "process" or "docker".
	Driver string `json:"driver"`
	// Endpoint is the base URL the load was sent to.
	Endpoint string `json:"endpoint"`
	// Instances is the number of application instances (workers or replicas).
	Instances int `json:"instances"`
	// Balancer is "nginx", "go" (built-in reverse proxy), "kernel" (shared
	// socket, cluster) or "" when there is none.
	Balancer string `json:"balancer,omitempty"`
	// BalancerPolicy is "round_robin" or "least_conn" when there is a balancer.
	BalancerPolicy string `json:"balancer_policy,omitempty"`
	// GOMAXPROCS given to each instance (0: not set).
	GOMAXPROCS int `json:"gomaxprocs,omitempty"`
	// CPUBudget is the requested CPUs per instance (0: none requested).
	CPUBudget float64 `json:"cpu_budget,omitempty"`
	// CPUBudgetEnforced says whether CPUBudget was actually enforced.
	CPUBudgetEnforced bool `json:"cpu_budget_enforced"`
	// MemoryLimitBytes per instance, when enforced (0: none).
	MemoryLimitBytes uint64 `json:"memory_limit_bytes,omitempty"`
	// CPUs lists the CPUs the instances were pinned to (empty: not pinned).
	CPUs []int `json:"cpus,omitempty"`
	// Images maps role (app, nginx, redis) to image reference (docker driver).
	Images map[string]string `json:"images,omitempty"`
	// Components maps a component (nginx, redis) to its version.
	Components map[string]string `json:"components,omitempty"`
	// Notes are facts about the deployment worth showing (e.g. a fallback).
	Notes []string `json:"notes,omitempty"`
}

// Step is one load level held for a fixed duration against one target.
type Step struct {
	// Index is the 0-based position of the step.
	Index int `json:"index"`
	// Model is "open" or "closed".
	Model string `json:"model"`
	// OfferedRate is the intended request rate in req/s (open model); for a
	// ramp window the mean intended rate over the window.
	OfferedRate float64 `json:"offered_rate"`
	// Concurrency is the number of concurrent clients (closed model).
	Concurrency int `json:"concurrency,omitempty"`
	// StartedAt is when the step's load began (UTC).
	StartedAt time.Time `json:"started_at"`
	// DurationS is the planned duration in seconds.
	DurationS float64 `json:"duration_s"`
	// ElapsedS is the measured wall time from first send to last response.
	ElapsedS float64 `json:"elapsed_s"`
	// Requests is the number of requests sent.
	Requests uint64 `json:"requests"`
	// Scheduled is the number of requests the schedule called for.
	Scheduled uint64 `json:"scheduled"`
	// Unsent is the number of scheduled requests never sent because the
	// step's time ran out while the generator was behind.
	Unsent uint64 `json:"unsent"`
	// Errors is the number of requests that failed (transport error or a
	// status outside 2xx/3xx).
	Errors uint64 `json:"errors"`
	// ErrorsByKind counts errors by kind: "status_503", "timeout",
	// "connection_refused", "connection_reset", "other".
	ErrorsByKind map[string]uint64 `json:"errors_by_kind,omitempty"`
	// ErrorRate is Errors / Requests.
	ErrorRate float64 `json:"error_rate"`
	// AchievedRate is requests sent per second of the sending window.
	AchievedRate float64 `json:"achieved_rate"`
	// Throughput is successful responses per second of elapsed time.
	Throughput float64 `json:"throughput"`
	// BytesIn and BytesOut are the body bytes received and sent.
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
	// Latency is measured from the intended send time (coordinated omission
	// corrected); it is the number to judge by.
	Latency Latency `json:"latency_ms"`
	// LatencyCI holds 95% confidence intervals for Latency's percentiles.
	LatencyCI *LatencyCI `json:"latency_ci_ms,omitempty"`
	// ThroughputCI is a 95% confidence interval for Throughput.
	ThroughputCI *Interval `json:"throughput_ci,omitempty"`
	// ErrorRateCI is a 95% confidence interval for ErrorRate.
	ErrorRateCI *Interval `json:"error_rate_ci,omitempty"`
	// CPUPerRequestMs is the target's CPU time per completed request in ms
	// (0: not sampled), the least noisy signal on a shared machine.
	CPUPerRequestMs float64 `json:"cpu_per_request_ms,omitempty"`
	// CPUPerRequestCI is a 95% confidence interval for CPUPerRequestMs.
	CPUPerRequestCI *Interval `json:"cpu_per_request_ci_ms,omitempty"`
	// Trials holds per-trial figures when the step was measured more than
	// once; the step's own figures pool them.
	Trials []Trial `json:"trials,omitempty"`
	// ServiceTime is measured from the actual send time.
	ServiceTime Latency `json:"service_time_ms"`
	// ScheduleLag is actual send time minus intended send time.
	ScheduleLag Latency `json:"schedule_lag_ms"`
	// Histograms holds the step's HDR histograms, base64 of the HDR V2
	// compressed encoding, in microseconds: "latency", "service_time",
	// "schedule_lag".
	Histograms map[string]string `json:"histograms,omitempty"`
	// Timeline holds one point per second (by completion time).
	Timeline []Point `json:"timeline,omitempty"`
	// Instances counts responses per serving instance (from the
	// X-Scalebench-Instance response header), to expose imbalance.
	Instances map[string]uint64 `json:"instances,omitempty"`
	// RequestsByName counts requests sent per request name (scenario
	// request mix), by the step they were scheduled in.
	RequestsByName map[string]uint64 `json:"requests_by_name,omitempty"`
	// Resources is the target's CPU and memory sampled during the step.
	Resources Resources `json:"resources"`
	// Generator is the load generator's own CPU use during the step.
	Generator Generator `json:"generator"`
	// LittlesLaw compares mean concurrency measured with rate × latency.
	LittlesLaw *LittlesLaw `json:"littles_law,omitempty"`
	// Valid is false when the step's numbers cannot be trusted; Warnings say why.
	Valid bool `json:"valid"`
	// SLOPassed is true when the step met the SLO (nil: no SLO).
	SLOPassed *bool `json:"slo_passed,omitempty"`
	// Warnings are findings about this step, shown in every report.
	Warnings []string `json:"warnings,omitempty"`
	// Extra holds figures no typed section carries yet (per-flow-step
	// error rates, the database meter's raw counts, a user meter's),
	// named by snake_case keys. Cache, queue, WebSocket and database
	// figures are in their own sections.
	Extra map[string]float64 `json:"extra,omitempty"`
	// Cache holds a cache topology's figures (cached, nocache).
	Cache *CacheStats `json:"cache,omitempty"`
	// Flows holds per-flow, per-request figures of a flows step (scenario
	// flows:); Requests, Errors and Latency then sum over every request.
	Flows []FlowStats `json:"flows,omitempty"`
	// Queue holds the queue's figures during the step (queue topology).
	Queue *QueueStats `json:"queue,omitempty"`
	// WebSocket holds the WebSocket generator's measurements (nil for HTTP
	// steps). For such a step Requests counts messages sent and Latency is
	// the fan-out latency.
	WebSocket *WebSocketStats `json:"websocket,omitempty"`
	// Sections are the step's time slices, in memory only: what its
	// intervals and a pooled step's intervals are computed from.
	Sections []Section `json:"-"`
	// CINotEnoughData names the figures ("p50", "p90", "p99", "p999",
	// "throughput", "error_rate", "cpu_per_request") whose interval could
	// not be measured because the step was too short (see
	// docs/statistics.md). Their interval is then only the observed range
	// and no verdict is made from them.
	CINotEnoughData []string `json:"ci_not_enough_data,omitempty"`
	// Probe is true for a step of a capacity search (steps then are the
	// probes in the order run); ProbeOutcome is "pass", "fail" or
	// "invalid", ProbeReason why a probe failed or was invalid ("p99",
	// "errors", "saturation", "generator", "no_requests", "invalid").
	Probe        bool   `json:"probe,omitempty"`
	ProbeOutcome string `json:"probe_outcome,omitempty"`
	ProbeReason  string `json:"probe_reason,omitempty"`
	// Database holds the PostgreSQL tier's figures (database topologies;
	// see database.go).
	Database *DatabaseStats `json:"database,omitempty"`
	// Services holds per-service figures of a microservices or monolith
	// target, by service name (services.go).
	Services map[string]ServiceStep `json:"services,omitempty"`
	// Agents holds each generator agent's share when several agents sent
	// the step (run --generators N); nil for a single generator.
	Agents []AgentStep `json:"agents,omitempty"`
}

// Latency summarises a latency distribution, in milliseconds.
type Latency struct {
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	P9999 float64 `json:"p9999"`
	Max   float64 `json:"max"`
	// P95 is the 95th percentile (added with the p95 SLO; absent from
	// results written before it).
	P95 float64 `json:"p95"`
}

// Point is one second of a step (by completion time).
type Point struct {
	// T is seconds since the step started.
	T float64 `json:"t"`
	// Requests completed in this second, and how many of them failed.
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	// P50, P99 and Max of latency from the intended send time, in ms.
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
	// CPU is the target's CPU use in cores during this second (-1: unknown).
	CPU float64 `json:"cpu_cores"`
	// RSSBytes is the target's resident memory at the end of the second.
	RSSBytes uint64 `json:"rss_bytes"`
	// ErrorsByKind counts this second's errors by kind (as Step.ErrorsByKind).
	ErrorsByKind map[string]uint64 `json:"errors_by_kind,omitempty"`
	// Instances is how many instances were behind the balancer during
	// the second (0: not tracked; set when the target scales).
	Instances int `json:"instances,omitempty"`
	// Histogram is the second's latency histogram (HDR V2 compressed,
	// base64), sent by generator agents so the coordinator merges the
	// timeline exactly; merged steps do not keep it.
	Histogram string `json:"histogram,omitempty"`
}

// Resources is the target's resource use during a step.
type Resources struct {
	// CPUCoresMean and CPUCoresMax are CPU use in cores (1.0 = one core busy).
	CPUCoresMean float64 `json:"cpu_cores_mean"`
	CPUCoresMax  float64 `json:"cpu_cores_max"`
	// RSSBytesMax is the peak resident memory summed over the target's processes.
	RSSBytesMax uint64 `json:"rss_bytes_max"`
	// Samples is the number of samples taken.
	Samples int `json:"samples"`
}

// Generator is the load generator's own resource use during a step.
type Generator struct {
	// CPUCores is the generator's CPU use in cores.
	CPUCores float64 `json:"cpu_cores"`
	// CPUsAvailable is how many CPUs the generator could use.
	CPUsAvailable int `json:"cpus_available"`
	// Saturated is true when CPUCores was at least 90% of CPUsAvailable.
	Saturated bool `json:"saturated"`
	// Workers is the worker (connection) cap used.
	Workers int `json:"workers"`
	// Engine is the HTTP client engine that sent the step's requests:
	// "nethttp" (vegeta + net/http) or "fast" (fasthttp); empty for
	// flows and WebSocket steps, and in results written before it existed.
	Engine string `json:"engine,omitempty"`
}

// LittlesLaw checks L = λW for a step.
type LittlesLaw struct {
	// MeasuredConcurrency is the time-averaged number of requests in flight.
	MeasuredConcurrency float64 `json:"measured_concurrency"`
	// PredictedConcurrency is throughput × mean service time.
	PredictedConcurrency float64 `json:"predicted_concurrency"`
	// Holds is true when the two agree within 20% (or differ by < 1 request).
	Holds bool `json:"holds"`
}

// Target statuses.
const (
	StatusOK          = "ok"
	StatusFailed      = "failed"
	StatusSkipped     = "skipped"
	StatusInterrupted = "interrupted"
)

// Run statuses.
const (
	RunRunning     = "running"
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
	// RunAbandoned marks a run whose scalebench process died before it
	// finished (kill -9, a crash); set by whoever cleaned up after it.
	RunAbandoned = "abandoned"
)
