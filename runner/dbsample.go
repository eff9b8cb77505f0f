package runner

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/dbmeter"
)

// How often the nodes are sampled: lag often (it moves in milliseconds),
// CPU once a second (a /proc walk).
const (
	dbSampleEvery = 250 * time.Millisecond
	dbUsageEvery  = 4 // samples
)

// dbDeployment is a deployment with PostgreSQL nodes (process driver).
type dbDeployment interface {
	targets.DatabaseDeployment
	DatabaseErr() error
}

// nodeSample is one sample of one node.
type nodeSample struct {
	at            time.Time
	reads, writes uint64
	cpu           float64 // CPU-seconds so far; NaN: not sampled
}

// lagSample is one replica's lag seen from its primary.
type lagSample struct {
	at    time.Time
	node  string
	ms    float64
	bytes int64
}

// dbWorkload wraps a workload whose target runs a PostgreSQL tier: during
// each phase it samples every node's counters, CPU and the replicas' lag,
// then fills each step's Database figures.
type dbWorkload struct {
	inner workload
	dep   dbDeployment
	dbErr error
}

// withDatabase wraps w when dep has PostgreSQL nodes.
func withDatabase(dep targets.Deployment, w workload) workload {
	dd, ok := dep.(dbDeployment)
	if !ok || len(dd.DatabaseNodes()) == 0 {
		return w
	}
	return &dbWorkload{inner: w, dep: dd}
}

// Finish passes on to the wrapped workload.
func (w *dbWorkload) Finish(ctx context.Context, tr *results.Target) {
	if f, ok := w.inner.(finisher); ok {
		f.Finish(ctx, tr)
	}
	if w.dbErr != nil {
		tr.Warnings = append(tr.Warnings, fmt.Sprintf("a PostgreSQL node died mid-run (%v): requests needing it failed from then on", w.dbErr))
	}
}

// Run drives the phase while sampling the nodes.
func (w *dbWorkload) Run(ctx context.Context, ph load.Phase) ([]results.Step, error) {
	nodes := w.dep.DatabaseNodes()
	s := newDBSampler(ctx, w.dep, nodes)
	defer s.close()
	s.sample(ctx, true) // baseline
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { s.loop(ctx, stop) })
	steps, err := w.inner.Run(ctx, ph)
	close(stop)
	wg.Wait()
	s.sample(context.WithoutCancel(ctx), true)
	for i := range steps {
		steps[i].Database = s.step(&steps[i], nodes)
	}
	if derr := w.dep.DatabaseErr(); derr != nil && w.dbErr == nil {
		w.dbErr = derr
		if n := len(steps); n > 0 {
			steps[n-1].Warnings = append(steps[n-1].Warnings, "PostgreSQL died during this step: "+derr.Error())
		}
	}
	return steps, err
}

// dbSampler holds one connection per node for a phase.
type dbSampler struct {
	dep    dbDeployment
	nodes  []targets.DatabaseNode
	conns  map[string]*pgx.Conn
	n      int
	byNode map[string][]nodeSample
	lag    []lagSample
}

func newDBSampler(ctx context.Context, dep dbDeployment, nodes []targets.DatabaseNode) *dbSampler {
	s := &dbSampler{dep: dep, nodes: nodes, conns: map[string]*pgx.Conn{}, byNode: map[string][]nodeSample{}}
	for _, n := range nodes {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := pgx.Connect(cctx, n.DSN)
		cancel()
		if err == nil {
			s.conns[n.Name] = c
		}
	}
	return s
}

func (s *dbSampler) close() {
	for _, c := range s.conns {
		_ = c.Close(context.Background())
	}
}

func (s *dbSampler) loop(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(dbSampleEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.sample(ctx, false)
	}
}

// sample reads every node once; withUsage forces a CPU reading.
func (s *dbSampler) sample(ctx context.Context, withUsage bool) {
	s.n++
	withUsage = withUsage || s.n%dbUsageEvery == 0
	for _, n := range s.nodes {
		c := s.conns[n.Name]
		if c == nil {
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, time.Second)
		ns := nodeSample{at: time.Now(), cpu: math.NaN()}
		err := c.QueryRow(qctx, `SELECT greatest(coalesce(sum(idx_scan + seq_scan - n_tup_upd), 0), 0)::bigint, coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables WHERE relname = 'users'`).Scan(&ns.reads, &ns.writes)
		if err == nil && n.Role == "primary" {
			s.sampleLag(qctx, c, ns.at)
		}
		cancel()
		if err != nil {
			continue
		}
		if withUsage {
			if u, err := s.dep.NodeUsage(ctx, n.Name); err == nil {
				ns.cpu = u.CPUSeconds
			}
		}
		s.byNode[n.Name] = append(s.byNode[n.Name], ns)
	}
}

// sampleLag reads the primary's view of each replica: replay_lag (NULL,
// i.e. 0, once a caught-up replica is idle) and the WAL distance between
// the primary's current position and the replica's replay position.
func (s *dbSampler) sampleLag(ctx context.Context, c *pgx.Conn, at time.Time) {
	rows, err := c.Query(ctx, `SELECT application_name, coalesce(extract(epoch FROM replay_lag) * 1000, 0)::float8, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint FROM pg_stat_replication`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		l := lagSample{at: at}
		if rows.Scan(&l.node, &l.ms, &l.bytes) == nil {
			s.lag = append(s.lag, l)
		}
	}
}

// step builds the Database figures of st from the samples in its window.
func (s *dbSampler) step(st *results.Step, nodes []targets.DatabaseNode) *results.DatabaseStats {
	start := st.StartedAt
	end := start.Add(time.Duration(st.DurationS * float64(time.Second)))
	x := st.Extra
	d := &results.DatabaseStats{Nodes: []results.DatabaseNode{}}
	if st.DurationS > 0 {
		d.ReadsPerS = round3(x[dbmeter.ExtraReads] / st.DurationS)
		d.WritesPerS = round3(x[dbmeter.ExtraWrites] / st.DurationS)
	}
	d.PoolWaitMsP99 = round3(x[dbmeter.ExtraPoolWaitP99])
	d.StaleReads, d.ReadsAfterWrite = uint64(x[dbmeter.ExtraStaleReads]), uint64(x[dbmeter.ExtraReadsAfterAck])
	d.StaleReadRatio = x[dbmeter.ExtraStaleReadRatio]
	if reads := x[dbmeter.ExtraReads]; reads > 0 {
		ci := results.WilsonInterval(float64(d.StaleReads), reads)
		d.StaleReadRatioCI = &ci
	}
	var all []float64
	for _, n := range nodes {
		dn := results.DatabaseNode{Name: n.Name, Role: n.Role}
		first, last := window(s.byNode[n.Name], start, end)
		if first != nil && last != nil {
			dn.Reads, dn.Writes = last.reads-first.reads, last.writes-first.writes
		}
		if c0, c1 := usageWindow(s.byNode[n.Name], start, end); c1 != nil && c0 != nil && c1.at.After(c0.at) {
			dn.CPUCores = round3((c1.cpu - c0.cpu) / c1.at.Sub(c0.at).Seconds())
		}
		for _, l := range s.lag {
			if l.node != n.Name || l.at.Before(start) || l.at.After(end) {
				continue
			}
			all = append(all, l.ms)
			dn.LagMs = max(dn.LagMs, round3(l.ms))
			dn.LagBytesMax = max(dn.LagBytesMax, l.bytes)
			d.Lag = append(d.Lag, results.LagPoint{T: round3(l.at.Sub(start).Seconds()), Node: l.node, LagMs: round3(l.ms)})
		}
		d.Nodes = append(d.Nodes, dn)
	}
	if len(all) > 0 {
		slices.Sort(all)
		d.ReplicationLagMs = &results.LagSummary{P50: round3(quantile(all, 0.5)), P99: round3(quantile(all, 0.99)), Max: round3(all[len(all)-1]), Samples: len(all)}
	}
	return d
}

// window returns the last sample at or before start and the first at or
// after end (falling back to the nearest inside the window).
func window(ss []nodeSample, start, end time.Time) (first, last *nodeSample) {
	for i := range ss {
		if !ss[i].at.After(start) || first == nil {
			first = &ss[i]
		}
		if !ss[i].at.After(start) {
			continue
		}
		last = &ss[i]
		if !ss[i].at.Before(end) {
			break
		}
	}
	return first, last
}

// usageWindow is window over the samples that carry a CPU reading.
func usageWindow(ss []nodeSample, start, end time.Time) (first, last *nodeSample) {
	var with []nodeSample
	for _, s := range ss {
		if !math.IsNaN(s.cpu) {
			with = append(with, s)
		}
	}
	f, l := window(with, start, end)
	return f, l
}

// quantile of sorted xs (nearest rank).
func quantile(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}
