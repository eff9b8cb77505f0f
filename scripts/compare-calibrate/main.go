// Command compare-calibrate measures how often `scalebench compare` cries
// wolf and how often it catches a real slowdown (docs/compare.md):
//
//   - A/A: pairs of runs of the unchanged reference app; the false-alarm
//     rate is the share of compared metrics flagged better or worse (goal
//     ≤ 5%), and the share of pairs where `--gate` would fail.
//   - detection: a run whose requests cost 25% more CPU (/work?cpu=2.5ms
//     instead of 2ms) against a base run; the detection rate is the share
//     of pairs where target CPU per request is flagged worse, and where
//     `--gate` would fail (goal ≥ 90%).
//
// It drives the real CLI (`scalebench run`, one target `single`) and
// compares with package compare, exactly as `scalebench compare` does.
// Run it through scripts/compare-calibrate.sh on a quiet machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/scalebench/scalebench/compare"
	"github.com/scalebench/scalebench/results"
)

type config struct {
	bin                string
	pairs, slow        int
	trials             int
	rate               int
	duration           time.Duration
	cpu, slowCPU       string
	threshold          float64
	out                string
	perRunTimeout      time.Duration
	correction         string
	targetCPUBudgetStr string
	reanalyse          bool
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "scalebench binary (required; the script builds it)")
	flag.IntVar(&c.pairs, "pairs", 10, "A/A pairs (2 base runs each)")
	flag.IntVar(&c.slow, "slow", 10, "detection pairs (a base run of the A/A set and a +25% CPU run)")
	flag.IntVar(&c.trials, "trials", 3, "trials per run")
	flag.IntVar(&c.rate, "rate", 100, "offered rate, req/s")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "step duration per trial")
	flag.StringVar(&c.cpu, "cpu", "2ms", "CPU per request of the unchanged app")
	flag.StringVar(&c.slowCPU, "slow-cpu", "2.5ms", "CPU per request of the slowed app (+25%)")
	flag.Float64Var(&c.threshold, "threshold", compare.DefaultThreshold, "compare threshold")
	flag.StringVar(&c.correction, "correction", compare.Holm, "holm or bh")
	flag.StringVar(&c.out, "out", "", "folder for the runs (default: a temporary folder, removed)")
	flag.StringVar(&c.targetCPUBudgetStr, "cpu-budget", "0.5", "cpu_budget of the instance")
	flag.BoolVar(&c.reanalyse, "reanalyse", false, "do not run: compare the runs already in -out again (same -pairs and -slow)")
	flag.Parse()
	c.perRunTimeout = time.Duration(c.trials)*(c.duration+5*time.Second) + time.Minute
	if err := calibrate(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "compare-calibrate:", err)
		os.Exit(1)
	}
}

// tally counts the outcomes of a set of comparisons.
type tally struct {
	compares, gateFailed  int
	rows, tested, flagged int
	cpuFlagged, cpuTested int
	flaggedMetrics        map[string]int
}

func (t *tally) add(tb *compare.Table) {
	t.compares++
	if len(tb.Regressions()) > 0 {
		t.gateFailed++
	}
	for _, r := range tb.Rows {
		t.rows++
		if !r.Tested() {
			continue
		}
		t.tested++
		if r.Verdict != compare.Unchanged {
			t.flagged++
			t.flaggedMetrics[r.Metric.Name+" "+r.Verdict]++
		}
		if r.Metric.Name == "cpu_per_request" {
			t.cpuTested++
			if r.Regression {
				t.cpuFlagged++
			}
		}
	}
}

func calibrate(ctx context.Context, c config) error {
	if c.bin == "" && !c.reanalyse {
		return fmt.Errorf("-bin: name the scalebench binary")
	}
	if c.reanalyse && c.out == "" {
		return fmt.Errorf("-reanalyse: name the folder of the runs with -out")
	}
	dir := c.out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "compare-calibrate-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base, slow := filepath.Join(dir, "base.yaml"), filepath.Join(dir, "slow.yaml")
	if !c.reanalyse { // -reanalyse keeps the scenarios as they were run
		if err := writeScenario(base, c, c.cpu); err != nil {
			return err
		}
		if err := writeScenario(slow, c, c.slowCPU); err != nil {
			return err
		}
	}
	start := time.Now()
	aa, det := tally{flaggedMetrics: map[string]int{}}, tally{flaggedMetrics: map[string]int{}}
	var runSeconds []float64
	opt := compare.Options{Threshold: c.threshold, Correction: c.correction}
	n := max(c.pairs, (c.slow+1)/2)
	for i := range n {
		// Interleave base and slowed runs so a drift of the machine hits both.
		b1, s1, err := runPair(ctx, c, dir, base, slow, 2*i, 2*i < c.slow, &runSeconds)
		if err != nil {
			return err
		}
		b2, s2, err := runPair(ctx, c, dir, base, slow, 2*i+1, 2*i+1 < c.slow, &runSeconds)
		if err != nil {
			return err
		}
		if i < c.pairs {
			if err := tallyOne(&aa, b1, b2, opt); err != nil {
				return err
			}
		}
		for _, p := range [][2]*results.Run{{b1, s1}, {b2, s2}} {
			if p[1] != nil {
				if err := tallyOne(&det, p[0], p[1], opt); err != nil {
					return err
				}
			}
		}
		fmt.Fprintf(os.Stderr, "compare-calibrate: %d/%d rounds, %.0f s\n", i+1, n, time.Since(start).Seconds())
	}
	report(c, aa, det, runSeconds, time.Since(start))
	return nil
}

func tallyOne(t *tally, base, new *results.Run, opt compare.Options) error {
	tb, err := compare.Compare(base, new, opt)
	if err != nil {
		return err
	}
	t.add(tb)
	return nil
}

// runPair runs the unchanged app once and, when withSlow, the slowed app once.
func runPair(ctx context.Context, c config, dir, base, slow string, i int, withSlow bool, secs *[]float64) (b, s *results.Run, err error) {
	if b, err = runOnce(ctx, c, base, filepath.Join(dir, fmt.Sprintf("base-%02d", i)), secs); err != nil {
		return nil, nil, err
	}
	if withSlow {
		if s, err = runOnce(ctx, c, slow, filepath.Join(dir, fmt.Sprintf("slow-%02d", i)), secs); err != nil {
			return nil, nil, err
		}
	}
	return b, s, nil
}

func runOnce(ctx context.Context, c config, scenario, out string, secs *[]float64) (*results.Run, error) {
	if c.reanalyse {
		return results.Read(out)
	}
	ctx, cancel := context.WithTimeout(ctx, c.perRunTimeout)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, c.bin, "run", scenario, "--out", out, "--no-progress")
	if outb, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("scalebench run %s: %w\n%s", scenario, err, outb)
	}
	*secs = append(*secs, time.Since(start).Seconds())
	return results.Read(out)
}

func writeScenario(path string, c config, cpu string) error {
	yaml := fmt.Sprintf(`version: 1
name: calibrate
description: compare calibration (scripts/compare-calibrate.sh)
defaults:
  warmup: 1s
  duration: %s
  trials: %d
  cpu_budget: %s
  gomaxprocs: 1
requests:
  - path: /work?cpu=%s
load:
  steps: [%d]
targets:
  - name: single
    topology: single
`, c.duration, c.trials, c.targetCPUBudgetStr, cpu, c.rate)
	return os.WriteFile(path, []byte(yaml), 0o644)
}

func report(c config, aa, det tally, secs []float64, total time.Duration) {
	mean := 0.0
	for _, s := range secs {
		mean += s / float64(len(secs))
	}
	fmt.Printf("compare calibration: single at %d req/s, /work?cpu=%s vs %s, %d trial(s) of %s per run, threshold %.0f%%, %s correction\n",
		c.rate, c.cpu, c.slowCPU, c.trials, c.duration, c.threshold*100, compare.CorrectionName(c.correction))
	fmt.Printf("runs: %d, %.1f s each on average, %.0f s in all\n", len(secs), mean, total.Seconds())
	fmt.Printf("A/A (%d pairs): %d of %d tested metrics flagged = %.1f%% (goal ≤ 5%%); --gate would fail %d of %d pairs; flagged: %v; %d of %d metrics not tested (invalid steps, no interval)\n",
		aa.compares, aa.flagged, aa.tested, pctOf(aa.flagged, aa.tested), aa.gateFailed, aa.compares, aa.flaggedMetrics, aa.rows-aa.tested, aa.rows)
	fmt.Printf("+25%% CPU (%d pairs): cpu_per_request flagged worse in %d of %d tested = %.0f%%; --gate fails %d of %d pairs = %.0f%% (goal ≥ 90%%); flagged: %v; %d of %d metrics not tested\n",
		det.compares, det.cpuFlagged, det.cpuTested, pctOf(det.cpuFlagged, det.cpuTested), det.gateFailed, det.compares, pctOf(det.gateFailed, det.compares), det.flaggedMetrics, det.rows-det.tested, det.rows)
}

func pctOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
