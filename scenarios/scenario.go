package scenarios

import (
	"fmt"
	"time"
)

// Scenario is one scenario file: what load to send, at which targets, and
// what counts as success. The YAML layout is documented in docs/scenarios.md
// and published as docs/scenario.schema.json.
type Scenario struct {
	// Version of the scenario format; 1 (the default when omitted).
	Version int `yaml:"version" json:"version"`
	// Name identifies the scenario in results and reports.
	Name string `yaml:"name" json:"name"`
	// Description says what the scenario shows.
	Description string `yaml:"description" json:"description"`
	// Driver is "process" (default), "docker", "swarm" or "kubernetes".
	Driver string `yaml:"driver" json:"driver"`
	// Defaults apply to every target unless the target overrides them.
	Defaults Defaults `yaml:"defaults" json:"defaults"`
	// Requests are the requests to send, chosen by weight.
	Requests []Request `yaml:"requests" json:"requests"`
	// Flows are request flows to start, chosen by weight (instead of
	// Requests: a scenario has exactly one of the two). See flows.go.
	Flows []Flow `yaml:"flows" json:"flows,omitempty"`
	// Load is the load shape.
	Load LoadShape `yaml:"load" json:"load"`
	// SLO is the objective each step is judged against (optional).
	SLO *SLO `yaml:"slo" json:"slo"`
	// Targets are the architectures (or services) to measure, in order.
	Targets []Target `yaml:"targets" json:"targets"`
	// WebSocket, when set, replaces Requests and Load: WebSocket
	// connections, rooms and messages (see websocket.go).
	WebSocket *WebSocket `yaml:"websocket" json:"websocket"`
	// SecretHeaders names headers whose values are secret besides the
	// built-in ones (Authorization, Cookie, X-Api-Key, …): they are
	// [redacted] in every output.
	SecretHeaders []string `yaml:"secret_headers" json:"secret_headers,omitempty"`
	// Generators, when set, sends the load through that many generator
	// agents merged exactly (see generators.go).
	Generators *Generators `yaml:"generators" json:"generators,omitempty"`

	// Source is the path or built-in name the scenario was loaded from.
	Source string `yaml:"-" json:"-"`
	// Raw is the scenario text as loaded.
	Raw []byte `yaml:"-" json:"-"`
}

// Defaults are per-target settings shared by all targets.
type Defaults struct {
	// Warmup is load sent before the first step and discarded (default 2s).
	Warmup Duration `yaml:"warmup" json:"warmup"`
	// Duration of each load step (default 10s).
	Duration Duration `yaml:"duration" json:"duration"`
	// Timeout of one request (default 5s).
	Timeout Duration `yaml:"timeout" json:"timeout"`
	// CPUBudget is CPUs per instance (0.5 = half a core; 0 = no budget).
	CPUBudget float64 `yaml:"cpu_budget" json:"cpu_budget"`
	// MemoryMB is the memory limit per instance in MiB (0 = none).
	MemoryMB int `yaml:"memory_mb" json:"memory_mb"`
	// GOMAXPROCS for each reference-app instance (default 1: one Node process).
	GOMAXPROCS int `yaml:"gomaxprocs" json:"gomaxprocs"`
	// StartupTimeout bounds how long a target may take to become ready (default 20s).
	StartupTimeout Duration `yaml:"startup_timeout" json:"startup_timeout"`
	// Cooldown is a pause between steps (default 0).
	Cooldown Duration `yaml:"cooldown" json:"cooldown"`
	// Trials is how many times each target's steps are measured, targets
	// interleaved in a rotating order (default 1; docs/statistics.md).
	Trials int `yaml:"trials" json:"trials"`
	// MinEffect is the smallest relative difference a verdict calls a win
	// (default 0.05: 5%).
	MinEffect float64 `yaml:"min_effect" json:"min_effect"`
	// AllowOversubscribe measures sweep sizes that ask for more CPUs than
	// the targets get (default false: the sweep stops at the last size
	// that fits; a target that does not fit is measured with a warning).
	AllowOversubscribe bool `yaml:"allow_oversubscribe" json:"allow_oversubscribe,omitempty"`
}

// Request is one kind of request to send.
type Request struct {
	// Name labels the request in results (default: METHOD path).
	Name string `yaml:"name" json:"name"`
	// Method is the HTTP method (default GET).
	Method string `yaml:"method" json:"method"`
	// Path is the request path and query, relative to the target's base URL.
	Path string `yaml:"path" json:"path"`
	// Headers are sent with the request.
	Headers map[string]string `yaml:"headers" json:"headers"`
	// Body is the request body.
	Body string `yaml:"body" json:"body"`
	// Weight is the relative frequency of this request (default 1).
	Weight int `yaml:"weight" json:"weight"`
}

// LoadShape is the load section: exactly one of Rate, Steps, Ramp (open
// model) or Concurrency (closed model). (It is not called Load because
// scenarios.Load reads a scenario.)
type LoadShape struct {
	// Rate is one constant arrival rate in requests per second.
	Rate float64 `yaml:"rate" json:"rate"`
	// Steps are arrival rates held one after another for Duration each.
	Steps []float64 `yaml:"steps" json:"steps"`
	// Ramp raises the arrival rate linearly.
	Ramp *Ramp `yaml:"ramp" json:"ramp"`
	// Concurrency are fixed numbers of concurrent clients (closed model),
	// each a step.
	Concurrency []int `yaml:"concurrency" json:"concurrency"`
	// MaxWorkers caps the generator's concurrent requests (connections)
	// (default 256). When the cap makes the generator fall behind, the step
	// says so.
	MaxWorkers int `yaml:"max_workers" json:"max_workers"`
	// Engine is the HTTP client engine of the generator: "" or "auto" (the
	// default: "fast" for http:// targets, "nethttp" otherwise), "nethttp"
	// (vegeta + net/http) or "fast" (fasthttp, HTTP/1.1, http:// only).
	// Flows always use net/http. See docs/load.md.
	Engine string `yaml:"engine" json:"engine,omitempty"`

	engineLine int // line of engine, when given
	// Search finds each target's capacity with probes instead of fixed
	// steps (see capacity.go).
	Search *Search `yaml:"search" json:"search,omitempty"`
	// SearchLine is the line of load.search, for messages.
	SearchLine int `yaml:"-" json:"-"`
}

// Ramp is a linear increase of the arrival rate, measured in windows.
type Ramp struct {
	// From and To are the starting and final rates in req/s.
	From float64 `yaml:"from" json:"from"`
	To   float64 `yaml:"to" json:"to"`
	// Over is the ramp's length.
	Over Duration `yaml:"over" json:"over"`
	// Windows is how many result steps the ramp is cut into (default 10).
	Windows int `yaml:"windows" json:"windows"`
}

// SLO is the objective each step is judged against.
type SLO struct {
	// P99 is the highest acceptable p99 latency (from intended send time).
	P99 Duration `yaml:"p99" json:"p99"`
	// ErrorRate is the highest acceptable fraction of failed requests (default 0.01).
	ErrorRate *float64 `yaml:"error_rate" json:"error_rate"`
	// DeliveryRatio is the lowest acceptable share of expected WebSocket
	// deliveries that arrived (WebSocket scenarios; nil: not judged).
	DeliveryRatio *float64 `yaml:"delivery_ratio" json:"delivery_ratio"`
	// TargetRate is the rate a sweep is sized for: how many instances hold
	// it under this SLO (0: not asked; run --for-rate sets it too).
	TargetRate float64 `yaml:"target_rate" json:"target_rate,omitempty"`
	// TargetRateLine is the line of target_rate, for messages.
	TargetRateLine int `yaml:"-" json:"-"`
	// P50, P90, P95 and P999 are the highest acceptable p50, p90, p95 and
	// p99.9 latencies, like P99 (0: no limit).
	P50  Duration `yaml:"p50" json:"p50,omitempty"`
	P90  Duration `yaml:"p90" json:"p90,omitempty"`
	P95  Duration `yaml:"p95" json:"p95,omitempty"`
	P999 Duration `yaml:"p999" json:"p999,omitempty"`
}

// Target is one architecture or service to measure. Exactly one of
// Topology, Command or URL is set.
type Target struct {
	// Name identifies the target (unique within the scenario).
	Name string `yaml:"name" json:"name"`
	// Topology is a built-in architecture (see `scalebench targets`).
	Topology string `yaml:"topology" json:"topology"`
	// Command is the user's own server, started with PORT in its environment.
	Command []string `yaml:"command" json:"command"`
	// URL is a running service to load; non-loopback needs AllowRemote.
	URL string `yaml:"url" json:"url"`
	// AllowRemote permits a URL whose host is not a loopback address.
	AllowRemote bool `yaml:"allow_remote" json:"allow_remote"`
	// Workers is the number of workers of a cluster (default: 2).
	Workers int `yaml:"workers" json:"workers"`
	// Replicas is the number of instances behind a balancer (default: 2 for
	// replicas; 1 for command).
	Replicas int `yaml:"replicas" json:"replicas"`
	// Balancer is "auto" (nginx when installed, else go), "nginx" or "go".
	Balancer string `yaml:"balancer" json:"balancer"`
	// Policy is the balancing policy: "round_robin" (default) or "least_conn".
	Policy string `yaml:"policy" json:"policy"`
	// Health is the readiness path polled after start (default /healthz for
	// built-ins, / for commands).
	Health string `yaml:"health" json:"health"`
	// Env is extra environment for each instance.
	Env map[string]string `yaml:"env" json:"env"`
	// Dir is the working directory of a command target.
	Dir string `yaml:"dir" json:"dir"`
	// Image is the user's container image (docker driver).
	Image string `yaml:"image" json:"image"`
	// Port is the port the user's image listens on (docker driver).
	Port int `yaml:"port" json:"port"`
	// Overrides of the scenario defaults for this target.
	CPUBudget  *float64 `yaml:"cpu_budget" json:"cpu_budget"`
	MemoryMB   *int     `yaml:"memory_mb" json:"memory_mb"`
	GOMAXPROCS *int     `yaml:"gomaxprocs" json:"gomaxprocs"`
	// Cache configures topologies nocache and cached (see redis.go).
	Cache *Cache `yaml:"cache" json:"cache,omitempty"`
	// Queue configures topologies queue and sync (see redis.go).
	Queue *Queue `yaml:"queue" json:"queue,omitempty"`
	// Sweep lists the sizes of a scaling sweep (replicas: [1, 2, 3] or
	// workers: [...]); each becomes a variant named name@N. Replicas or
	// Workers hold the first size.
	Sweep []int `yaml:"-" json:"sweep,omitempty"`
	// Faults are what is done to the target while load runs (faults.go).
	Faults []Fault `yaml:"faults" json:"faults,omitempty"`
	// Autoscale adds and removes instances under load (faults.go).
	Autoscale *Autoscale `yaml:"autoscale" json:"autoscale,omitempty"`
	// Retries, when false, stops the balancer from retrying a failed
	// request on the next instance (nginx proxy_next_upstream off).
	Retries *bool `yaml:"retries" json:"retries,omitempty"`
	// DBReplicas is the number of streaming replicas (db-replicas; default 2).
	DBReplicas int `yaml:"db_replicas" json:"db_replicas,omitempty"`
	// ReadFrom is where reads go with replicas: replicas (default), primary or all.
	ReadFrom string `yaml:"read_from" json:"read_from,omitempty"`
	// Shards is the number of independent primaries (db-sharded; default 2).
	Shards int `yaml:"shards" json:"shards,omitempty"`
	// Database is "simulated" (default) or "postgres" for cached and nocache.
	Database string `yaml:"database" json:"database,omitempty"`
	// DB configures the PostgreSQL tier (see database.go).
	DB *Database `yaml:"db" json:"db,omitempty"`
	// Weights override the requests' weights for this target, by request
	// name (e.g. a read-heavy and a write-heavy mix of the same requests).
	Weights map[string]int `yaml:"weights" json:"weights,omitempty"`
	// Services and Entry are the service graph of topologies
	// microservices and monolith (services.go).
	Services []Service `yaml:"services" json:"services,omitempty"`
	Entry    string    `yaml:"entry" json:"entry,omitempty"`
	// WeightLines are the lines of Weights' entries, for messages.
	WeightLines map[string]int `yaml:"-" json:"-"`
	// Line is the line of the target in the file, for messages.
	Line int `yaml:"-" json:"-"`
}

// Duration is a time.Duration written in YAML as a Go duration string ("5s",
// "250ms").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Model is "closed" when the load is a number of concurrent clients and
// "open" (arrival rate) otherwise.
func (s *Scenario) Model() string {
	if len(s.Load.Concurrency) > 0 {
		return "closed"
	}
	return "open"
}

// String formats d like time.Duration ("2s", "250ms").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as a Go duration string, so JSON and YAML output
// reads like the scenario file.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
