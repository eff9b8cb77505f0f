package report

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// step is a valid open-model step at load with the given p99 and
// throughput; the SLO verdict is left to the report.
func step(i int, load, p99, tput float64) results.Step {
	return results.Step{
		Index: i, Model: "open", OfferedRate: load, AchievedRate: load, Throughput: tput,
		StartedAt: t0.Add(time.Duration(i) * 3 * time.Second), DurationS: 2, ElapsedS: 2,
		Requests: uint64(2 * load), Valid: true,
		Latency:   results.Latency{P50: p99 / 3, P90: p99 / 2, P99: p99, P999: p99 * 1.2, Max: p99 * 1.3},
		LatencyCI: &results.LatencyCI{P50: ci(p99/3, 0.05), P90: ci(p99/2, 0.05), P99: ci(p99, 0.1), P999: ci(p99*1.2, 0.2)},
	}
}

// ci is v ± rel·v.
func ci(v, rel float64) results.Interval { return results.Interval{v * (1 - rel), v * (1 + rel)} }

func target(name, topo string, steps ...results.Step) results.Target {
	return results.Target{Name: name, Topology: topo, Status: results.StatusOK, Steps: steps,
		Deployment: results.Deployment{Driver: "process", Instances: 1}}
}

func runOf(slo *results.SLO, targets ...results.Target) *results.Run {
	return &results.Run{
		SchemaVersion: results.SchemaVersion, ID: "test", Scenario: "test", Model: "open", Status: results.RunCompleted,
		SLO: slo, StartedAt: t0, Environment: results.Environment{Driver: "process", CPUs: 2}, Targets: targets,
	}
}

func TestHeadline(t *testing.T) {
	slo50 := &results.SLO{P99Ms: 50, ErrorRate: 0.01}
	slo500 := &results.SLO{P99Ms: 500, ErrorRate: 0.01}
	noneHeld := func(slo *results.SLO) *results.Run {
		return runOf(slo,
			target("single", "single", step(0, 100, 50, 100), step(1, 200, 700, 190), step(2, 350, 1260, 217)),
			target("cluster", "cluster", step(0, 100, 40, 100), step(1, 200, 600, 195), step(2, 350, 614, 284)))
	}
	for _, tc := range []struct {
		name string
		run  *results.Run
		want string
	}{
		{"some held", runOf(slo50,
			target("single", "single", step(0, 100, 3, 100), step(1, 350, 2540, 250)),
			target("cluster", "cluster", step(0, 100, 2.5, 100), step(1, 350, 9, 349)),
			target("replicas", "replicas", step(0, 100, 2.9, 100), step(1, 350, 7.78, 349))),
			"cluster and replicas held the SLO up to the top load (350 req/s); single broke at 350 req/s (p99 2.54 s). At the top load (350 req/s) replicas has the clearly lowest p99: replicas: p99 7.78 ms [7, 8.56] vs cluster 9 ms [8.1, 9.9] (1.16× higher, p = 0.044). cluster clearly best at 1 of 2 levels; replicas clearly best at 1 of 2 levels."},
		{"none held", noneHeld(slo500),
			"No target held the SLO at the top load (350 req/s). Highest capacity: single and cluster, 100 req/s."},
		{"no SLO", noneHeld(nil),
			"At the top load (350 req/s) cluster has the clearly lowest p99: cluster: p99 614 ms [553, 675] vs single 1.26 s [1.13, 1.39] (2.05× higher, p < 0.001). cluster clearly best at 3 of 3 levels."},
		{"nobody met the SLO anywhere", runOf(slo50, target("single", "single", step(0, 100, 80, 100))),
			"No target held the SLO at the top load (100 req/s). No target met the SLO at any load level."},
		{"nothing measured", runOf(slo50, results.Target{Name: "a", Status: results.StatusSkipped}),
			"No load step was measured: no verdict is possible; see the warnings."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := headline(Analyze(tc.run)); got != tc.want {
				t.Errorf("headline() =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// TestTargetStatuses checks the Targets block: a skipped target says so,
// an interrupted one is INTERRUPTED, and a target that failed the SLO only
// through an invalid step is never "held at every valid step".
func TestTargetStatuses(t *testing.T) {
	slo := &results.SLO{P99Ms: 50, ErrorRate: 0.01}
	invalid := step(1, 200, 900, 150)
	invalid.Valid = false
	invalid.Warnings = []string{"generator CPU saturated"}
	interrupted := target("cluster", "cluster", step(0, 100, 3, 100))
	interrupted.Status, interrupted.Error = results.StatusInterrupted, "interrupted by the user (Ctrl-C)"
	run := runOf(slo,
		target("single", "single", step(0, 100, 3, 100), invalid),
		interrupted,
		results.Target{Name: "replicas", Topology: "replicas", Status: results.StatusSkipped, Error: "the run was interrupted before it started"},
	)
	var txt, mdBuf bytes.Buffer
	if err := Summary(&txt, run); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&mdBuf, []*results.Run{run}); err != nil {
		t.Fatal(err)
	}
	html := renderHTML(t, run)
	for _, tc := range []struct {
		out  string
		text string
		want []string
		not  []string
	}{
		{"terminal", spaces.ReplaceAllString(txt.String(), " "),
			[]string{"single SLO ✗ (failed at an invalid step) capacity 100 req/s, 1 invalid step",
				"cluster INTERRUPTED interrupted by the user (Ctrl-C); 1 step measured before: capacity 100 req/s",
				"replicas skipped the run was interrupted before it started"},
			[]string{"held at every valid step", "capacity none"}},
		{"summary.md", mdBuf.String(),
			[]string{"| single | ❌ fail (failed at an invalid step) | 100 req/s (held the SLO at every valid step ", "| cluster | ❌ INTERRUPTED |", "| replicas | skipped |"},
			[]string{"| held |"}},
		{"report.html", html,
			[]string{"<small>(failed at an invalid step)</small>", `<span class="tag failed">INTERRUPTED</span>`, `<span class="tag inv">skipped</span>`},
			[]string{">held<"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.text, w) {
				t.Errorf("%s lacks %q; got:\n%s", tc.out, w, tc.text)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(tc.text, n) {
				t.Errorf("%s contains %q", tc.out, n)
			}
		}
	}
}

var spaces = regexp.MustCompile(` +`)

func renderHTML(t *testing.T, runs ...*results.Run) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, buildPage(runs, nil)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// redisRun is a run with a cache target, a queue target that lost jobs,
// and a sessions flow target.
func redisRun() *results.Run {
	slo := &results.SLO{P99Ms: 100, ErrorRate: 0.01}
	nocache := target("nocache", "nocache", step(0, 100, 22, 99), step(1, 250, 119, 238))
	nocache.Steps[0].Cache = &results.CacheStats{Bypass: 200, DBCalls: 200, DBCallsPerS: 99.4, DBWaitMs: results.DBWait{P99: 0.066}}
	nocache.Steps[1].Cache = &results.CacheStats{Bypass: 500, DBCalls: 500, DBCallsPerS: 238.1, DBWaitMs: results.DBWait{P99: 97.3}}
	cached := target("cached", "cached", step(0, 100, 23, 99), step(1, 250, 26, 249))
	cached.Steps[0].Cache = &results.CacheStats{HitRatio: ptrTo(0.49), DBCallsPerS: 50.7, DBWaitMs: results.DBWait{P99: 0.072}}
	cached.Steps[1].Cache = &results.CacheStats{HitRatio: ptrTo(0.668), DBCallsPerS: 82.6, DBWaitMs: results.DBWait{P99: 0.015}, Errors: 3}
	queue := target("queue", "queue", step(0, 100, 4, 100), step(1, 250, 5, 250))
	for i := range queue.Steps {
		s := &queue.Steps[i]
		s.Queue = &results.QueueStats{
			Accepted: uint64(s.Requests), Completed: uint64(s.Requests) - uint64(10*i), CompletedPerS: s.OfferedRate - float64(5*i),
			DepthMax: int64(1 + 30*i), DepthEnd: int64(30 * i),
			Depth: []results.DepthPoint{{T: 0.5, Depth: 1}, {T: 1.5, Depth: int64(1 + 15*i)}, {T: 2.5, Depth: int64(1 + 30*i)}},
			E2E:   results.Latency{P50: 38 + 400*float64(i), P99: 50 + 700*float64(i)}, QueueWait: results.Latency{P99: 3 + 680*float64(i)},
		}
	}
	queue.Jobs = &results.Jobs{Accepted: 700, AcceptedByClient: 700, Completed: 697, Missing: 3, MissingIDs: []string{"1-0", "2-0", "3-0"}, Drained: false, DrainS: 10}
	sessions := target("sessions-memory", "sessions-memory", step(0, 100, 4.5, 100), step(1, 250, 33, 156))
	for i := range sessions.Steps {
		s := &sessions.Steps[i]
		n := uint64(s.OfferedRate * 2)
		s.Errors, s.ErrorRate = n/2, 0.5
		s.Flows = []results.FlowStats{{Name: "login-me", Scheduled: n, Started: n, Completed: n / 2, Failed: n / 2, Steps: []results.FlowStepStats{
			{Name: "login", Requests: n, Latency: results.Latency{P50: 1, P99: 5.2}},
			{Name: "me", Requests: n, Errors: n * 96 / 100, ErrorRate: 0.96, ErrorsByKind: map[string]uint64{"status_401": n * 96 / 100}, Latency: results.Latency{P50: 0.9, P99: 3.4}},
		}}}
		s.Extra = map[string]float64{"flow_login_error_rate": 0, "flow_me_error_rate": 0.96}
	}
	r := runOf(slo, nocache, cached, queue, sessions)
	r.Quick = true
	return r
}

// TestRedisSections renders the cache, queue, job-accounting and flows
// sections in every output, with the lost jobs in the verdict.
func TestRedisSections(t *testing.T) {
	run := redisRun()
	var txt, mdBuf bytes.Buffer
	if err := Summary(&txt, run); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary-redis.txt", txt.Bytes())
	if err := Markdown(&mdBuf, []*results.Run{run}); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary-redis.md", mdBuf.Bytes())
	charts, err := Charts([]*results.Run{run})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, c := range charts {
		files = append(files, c.File)
	}
	for _, want := range []string{"charts/queue-depth-over-time.png", "charts/job-latency-vs-load.png"} {
		if !strings.Contains(strings.Join(files, " "), want) {
			t.Errorf("Charts() = %v, want %s among them", files, want)
		}
	}
	data, err := json.MarshalIndent(buildPage([]*results.Run{run}, charts), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report-data-redis.json", append(data, '\n'))

	html := renderHTML(t, run)
	verdict := html[strings.Index(html, `<section class="verdict`):strings.Index(html, "Who wins at each load level")]
	for _, tc := range []struct{ where, text, want string }{
		{"terminal verdict", txt.String()[strings.Index(txt.String(), "Verdict"):], "✗ queue LOST JOBS: 3 of 700 accepted jobs were never completed (the queue had not drained after 10 s)"},
		{"summary.md", mdBuf.String(), "> ❌ **queue LOST JOBS: 3 of 700 accepted jobs were never completed"},
		{"report.html verdict", verdict, `<p class="alert">✗ queue LOST JOBS: 3 of 700`},
		{"report.html verdict", verdict, `class="verdict undecided"`},
		{"terminal", txt.String(), "⚠ smoke run (--quick): steps were shortened; not for decisions"},
		{"summary.md", mdBuf.String(), "> ⚠️ **smoke run (--quick): steps were shortened; not for decisions**"},
		{"report.html", html, `<p class="quick" id="quick">⚠ smoke run (--quick): steps were shortened; not for decisions</p>`},
		{"report.html", html, `<section class="arch" id="cache">`},
		{"report.html", html, `<section class="arch" id="queue">`},
		{"report.html", html, `<section class="arch" id="jobs">`},
		{"report.html", html, `<section class="arch" id="flows">`},
		{"report.html", html, `<td class="t">me</td><td class="n">200</td>`},
	} {
		if !strings.Contains(tc.text, tc.want) {
			t.Errorf("%s lacks %q", tc.where, tc.want)
		}
	}
}

// TestSectionsOnlyWithData: a plain HTTP run has no extra sections and no
// quick banner.
func TestSectionsOnlyWithData(t *testing.T) {
	run := fixture(t, "quickstart.json")
	if s := Sections(run); len(s) != 0 {
		t.Errorf("Sections(quickstart) = %d tables, want none", len(s))
	}
	var txt bytes.Buffer
	if err := Summary(&txt, run); err != nil {
		t.Fatal(err)
	}
	html := renderHTML(t, run)
	for _, out := range []string{txt.String(), html} {
		if strings.Contains(out, "smoke run") || strings.Contains(out, `class="arch"`) {
			t.Errorf("output of a plain run has a quick banner or a section")
		}
	}
	charts, err := Charts([]*results.Run{run})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if strings.Contains(c.File, "queue") {
			t.Errorf("Charts(quickstart) made %s without queue data", c.File)
		}
	}
}

// TestImplausibleValues renders a results.json with absurd numbers: the
// report is written, the values are left out of the charts, and a warning
// names each field.
func TestImplausibleValues(t *testing.T) {
	run := redisRun()
	s := &run.Targets[0].Steps[1]
	s.OfferedRate = 1e308
	s.Latency.P99 = -5
	s.Timeline = []results.Point{{T: 0, P99: math.MaxFloat64, CPU: -1}}
	run.Targets[2].Steps[0].Queue.Depth[0].Depth = -4
	run.Targets[1].Steps[0].Throughput = 1e300
	dir := t.TempDir()
	if _, err := Render(context.Background(), dir, []*results.Run{run}); err != nil {
		t.Fatalf("Render() of implausible values: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"offered\\_rate = 1e+308", "latency\\_ms.p99 = -5", "timeline: 1 points", "queue.depth: 1 points", "throughput = 1e+300"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("summary.md lacks the warning part %q", want)
		}
	}
}

// The verdict box is green only when a target qualified at the top load.
func TestVerdictBoxColour(t *testing.T) {
	slo := &results.SLO{P99Ms: 50, ErrorRate: 0.01}
	held := runOf(slo, target("cluster", "cluster", step(0, 100, 4, 100), step(1, 350, 9, 349)),
		target("single", "single", step(0, 100, 5, 100), step(1, 350, 2540, 250)))
	failed := runOf(slo, target("cluster", "cluster", step(0, 100, 4, 100), step(1, 350, 900, 300)),
		target("single", "single", step(0, 100, 5, 100), step(1, 350, 2540, 250)))
	for _, tc := range []struct {
		name      string
		run       *results.Run
		undecided bool
	}{{"a target held the SLO at the top load", held, false}, {"every target failed the SLO at the top load", failed, true}} {
		t.Run(tc.name, func(t *testing.T) {
			html := renderHTML(t, tc.run)
			if got := strings.Contains(html, `class="verdict undecided"`); got != tc.undecided {
				t.Errorf("verdict box undecided (red) = %v, want %v", got, tc.undecided)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
