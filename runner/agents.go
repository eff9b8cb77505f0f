package runner

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/scalebench/scalebench/agents"
	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
	"github.com/scalebench/scalebench/stats"
	"github.com/scalebench/scalebench/targets"
)

// Distributed generation (run --generators N, scenario generators:).
const (
	// ClockBound is the most the agents' clocks may disagree before a
	// step, counting the uncertainty of the measurement (half the round
	// trip): beyond it the shared start time and the interleaved
	// schedule would be off by more than a typical latency tail.
	ClockBound = 5 * time.Millisecond
	// startLead is how far ahead the absolute start time is set, so that
	// every agent has its job before it.
	startLead = 500 * time.Millisecond
	// replySlack is how long past a phase's end (and grace) an agent may
	// take to answer before it is taken for lost.
	replySlack = 30 * time.Second
)

// agentsWorkload sends each phase through the agents of Options.Agents:
// clock check, one share per agent, exact merge, validity per agent.
type agentsWorkload struct {
	pool    *agents.Pool
	job     agents.Job
	dep     targets.Deployment
	cpus    int // CPUs the agents share (0: unknown)
	workers int // the scenario's worker cap, split between agents
	live    func(load.Live)
}

func newAgentsWorkload(sc *scenarios.Scenario, t scenarios.Target, dep targets.Deployment, opts Options, live func(load.Live)) (workload, error) {
	if sc.IsWebSocket() || len(sc.Flows) > 0 {
		return nil, fmt.Errorf("generators: agents send plain requests only; this scenario has %s", map[bool]string{true: "websocket", false: "flows"}[sc.IsWebSocket()])
	}
	if opts.Agents == nil || len(opts.Agents.Clients) == 0 {
		return nil, fmt.Errorf("generators: no agents were started")
	}
	base, remote, err := agentsBaseURL(opts.Agents, dep, t)
	if err != nil {
		return nil, err
	}
	return &agentsWorkload{
		pool: opts.Agents,
		job: agents.Job{
			BaseURL:     base,
			Requests:    Requests(sc),
			Timeout:     sc.Defaults.Timeout.D(),
			AllowRemote: remote,
		},
		dep:     dep,
		cpus:    sharedCPUs(opts),
		workers: sc.Load.MaxWorkers,
		live:    live,
	}, nil
}

// sharedCPUs is how many CPUs the agents share: the generator's, unless
// they run in the cluster, on CPUs of their own (each agent is still
// judged on its own CPU).
func sharedCPUs(opts Options) int {
	if opts.Agents.InCluster {
		return 0
	}
	return opts.GeneratorCPUs
}

// clusterEndpoint is a deployment that agents inside its cluster reach at
// another address than the coordinator does (its port-forward).
type clusterEndpoint interface {
	// ClusterEndpoint is the entry's base URL inside the cluster.
	ClusterEndpoint() string
}

// agentsBaseURL is where pool's agents send the load: the deployment's
// endpoint, or its in-cluster address for agents in its cluster. The
// latter is not loopback but is the run's own Service, so it is allowed
// without the target's allow_remote.
func agentsBaseURL(pool *agents.Pool, dep targets.Deployment, t scenarios.Target) (string, bool, error) {
	if !pool.InCluster {
		return dep.Endpoint(), t.AllowRemote, nil
	}
	ce, ok := dep.(clusterEndpoint)
	if !ok || ce.ClusterEndpoint() == "" {
		return "", false, fmt.Errorf("generators: agents in the cluster cannot reach target %q of the %s driver (use --agents-in process or --driver kubernetes)", t.Name, dep.Info().Driver)
	}
	return ce.ClusterEndpoint(), true, nil
}

// agentRun is one agent's part of a phase.
type agentRun struct {
	clock agents.Clock
	reply agents.Reply
	lost  string // why the agent's share is missing ("" if it is not)
}

// Run implements workload.
func (w *agentsWorkload) Run(ctx context.Context, ph load.Phase) ([]results.Step, error) {
	n := len(w.pool.Clients)
	if ph.Model == load.ModelClosed && ph.Concurrency < n {
		return nil, fmt.Errorf("generators: concurrency %d is below the %d agents", ph.Concurrency, n)
	}
	runs := make([]agentRun, n)
	if refusal := w.checkClocks(ctx, runs); refusal != "" {
		if ph.Discard {
			return nil, nil
		}
		return refusedSteps(ph, refusal), nil
	}
	u0, ok0 := w.sample(ctx)
	t0 := time.Now()
	stopTicks := w.tick(ph, t0.Add(startLead))
	w.send(ctx, ph, runs)
	stopTicks()
	u1, ok1 := w.sample(ctx)
	if ph.Discard {
		return nil, nil
	}
	steps, err := w.merge(runs)
	if err != nil {
		return nil, err
	}
	for i := range steps {
		if ok0 && ok1 {
			setResources(&steps[i], u0, u1, time.Since(t0))
		}
		stats.Figures(&steps[i]) // intervals from the exactly merged seconds
		w.judgeShared(&steps[i])
	}
	return steps, nil
}

// checkClocks measures every agent's clock offset; it returns why the
// step is refused ("" when the clocks agree within ClockBound).
func (w *agentsWorkload) checkClocks(ctx context.Context, runs []agentRun) string {
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, c := range w.pool.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			runs[i].clock, errs[i] = c.Clock(cctx)
		}()
	}
	wg.Wait()
	lo, hi, rtt := time.Duration(1<<62), time.Duration(-1<<62), time.Duration(0)
	for i, err := range errs {
		if err != nil {
			return fmt.Sprintf("agent %d lost before the step: clock exchange failed: %v%s", i, err, w.lostNote(i))
		}
		c := runs[i].clock
		lo, hi, rtt = min(lo, c.Offset), max(hi, c.Offset), max(rtt, c.RoundTrip)
	}
	if spread := hi - lo + rtt/2; spread > ClockBound {
		return fmt.Sprintf("step refused: the agents' clocks disagree by %.2f ms (offsets %.2f..%.2f ms, round trip up to %.2f ms), more than the %.0f ms bound",
			ms(spread), ms(lo), ms(hi), ms(rtt), ms(ClockBound))
	}
	return ""
}

func (w *agentsWorkload) lostNote(i int) string {
	if s := w.pool.Lost(i); s != "" {
		return " (" + s + ")"
	}
	return ""
}

// send gives every agent its share of ph and waits for all answers.
func (w *agentsWorkload) send(ctx context.Context, ph load.Phase, runs []agentRun) {
	n := len(runs)
	start := time.Now().Add(startLead)
	wait := ph.Duration + max(2*time.Second, ph.Duration/2) + startLead + replySlack
	var wg sync.WaitGroup
	for i, c := range w.pool.Clients {
		job := w.job
		job.MaxWorkers = (w.workers + n - 1) / n
		job.Phase = ph
		job.Phase.Shard = load.Shard{Index: i, Count: n}
		job.Phase.StartAt = start.Add(runs[i].clock.Offset) // on the agent's clock
		if ph.Model == load.ModelClosed {
			job.Phase.Concurrency = ph.Concurrency/n + boolInt(i < ph.Concurrency%n)
			job.MaxWorkers = job.Phase.Concurrency
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			r, err := c.Run(cctx, job)
			if err != nil {
				runs[i].lost = fmt.Sprintf("agent %d lost: %v%s", i, err, w.lostNote(i))
			}
			runs[i].reply = r
		}()
	}
	wg.Wait()
}

// merge merges the agents' steps index by index; a lost agent's share is
// missing from every step, which is then invalid with the reason.
func (w *agentsWorkload) merge(runs []agentRun) ([]results.Step, error) {
	byIndex := map[int][]results.Step{}
	info := map[int][]results.AgentStep{}
	var lost []int
	for i, r := range runs {
		if r.lost != "" {
			lost = append(lost, i)
			continue
		}
		for _, s := range r.reply.Steps {
			byIndex[s.Index] = append(byIndex[s.Index], s)
			info[s.Index] = append(info[s.Index], agentStep(i, s, r.clock))
		}
	}
	indexes := make([]int, 0, len(byIndex))
	for k := range byIndex {
		indexes = append(indexes, k)
	}
	sort.Ints(indexes)
	var out []results.Step
	for _, k := range indexes {
		m, err := agents.Merge(byIndex[k], info[k])
		if err != nil {
			return nil, err
		}
		for _, i := range lost {
			m.Valid = false
			m.Warnings = append(m.Warnings, runs[i].lost+"; the step lacks that agent's share")
			m.Agents = append(m.Agents, results.AgentStep{Index: i, ClockOffsetMs: ms(runs[i].clock.Offset),
				ClockRoundTripMs: ms(runs[i].clock.RoundTrip), Warnings: []string{runs[i].lost}})
		}
		out = append(out, m)
	}
	if len(out) == 0 && len(lost) > 0 {
		return nil, fmt.Errorf("generators: every agent was lost (first: %s)", runs[lost[0]].lost)
	}
	return out, nil
}

func agentStep(i int, s results.Step, c agents.Clock) results.AgentStep {
	return results.AgentStep{
		Index:            i,
		Requests:         s.Requests,
		Errors:           s.Errors,
		OfferedRate:      s.OfferedRate,
		AchievedRate:     s.AchievedRate,
		CPUCores:         s.Generator.CPUCores,
		ScheduleLagP99Ms: s.ScheduleLag.P99,
		ClockOffsetMs:    ms(c.Offset),
		ClockRoundTripMs: ms(c.RoundTrip),
		Valid:            s.Valid,
		Warnings:         s.Warnings,
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
