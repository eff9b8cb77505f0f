package runner

import (
	"context"
	"sync/atomic"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/targets"
)

// workload drives one phase of load at a deployment and returns its steps.
// The scenario decides which kind: plain HTTP requests (requests:), request
// flows, or WebSocket connections; each kind lives in its own file.
type workload interface {
	Run(ctx context.Context, ph load.Phase) ([]results.Step, error)
}

// finisher is a workload with work to do after the last phase, such as
// waiting for a queue to drain and accounting for every job.
type finisher interface {
	Finish(ctx context.Context, tr *results.Target)
}

// newWorkload picks the workload for the scenario.
func newWorkload(sc *scenarios.Scenario, t scenarios.Target, dep targets.Deployment, opts Options, live func(load.Live)) (workload, error) {
	if opts.Agents != nil {
		return newAgentsWorkload(sc, t, dep, opts, live) // agents.go
	}
	if sc.IsWebSocket() {
		return newWSWorkload(sc, t, dep, opts, live)
	}
	// Redis-backed topologies (redis.go) add their meters and watch Redis.
	accepted := new(atomic.Uint64)
	var w workload
	var err error
	if len(sc.Flows) > 0 {
		w, err = newFlowsWorkload(sc, t, dep, live, dbMeterFor(t, nil))
	} else {
		w, err = newHTTPWorkload(sc, t, dep, opts, live, dbMeterFor(t, meterFor(t, accepted)))
	}
	if err != nil {
		return nil, err
	}
	return withServices(t, dep, withDatabase(dep, withRedis(t, dep, w, opts, accepted))), nil
}

// newHTTPWorkload sends the scenario's requests with the HTTP generator.
func newHTTPWorkload(sc *scenarios.Scenario, t scenarios.Target, dep targets.Deployment, opts Options, live func(load.Live), meter func() load.Meter) (workload, error) {
	return load.New(load.Config{
		BaseURL:       dep.Endpoint(),
		AllowRemote:   t.AllowRemote,
		Requests:      weighted(Requests(sc), t.Weights),
		Timeout:       sc.Defaults.Timeout.D(),
		MaxWorkers:    sc.Load.MaxWorkers,
		GeneratorCPUs: opts.GeneratorCPUs,
		Sample:        Sampler(dep),
		Observe:       live,
		Meter:         meter,
		Engine:        sc.Load.Engine,
	})
}

// Sampler adapts a deployment's resource sampling for the generators.
func Sampler(dep targets.Deployment) func(context.Context) (load.Usage, error) {
	return func(ctx context.Context) (load.Usage, error) {
		u, err := dep.Sample(ctx)
		return load.Usage{CPUSeconds: u.CPUSeconds, RSSBytes: u.RSSBytes}, err
	}
}
