// Command coverage measures how often the 95% intervals scalebench puts on
// a step's figures contain the true value (docs/statistics.md). It serves
// a known latency distribution on loopback, measures it with the real
// HTTP generator many times, and reports per figure the share of runs
// whose interval holds the truth. It is a calibration, not a test: run it
// through scripts/coverage.sh on a quiet machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/gonum/stat"

	"github.com/scalebench/scalebench/load"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/stats"
)

// The served distribution: a fixed 0.5 ms plus an exponential of mean
// 1.5 ms, slept (not spun) so the server costs no CPU.
const (
	baseMs = 0.5
	meanMs = 1.5
)

// nominal is the served distribution's quantile q (0..1), in ms.
func nominal(q float64) float64 { return baseMs - meanMs*math.Log(1-q) }

func main() {
	runs := flag.Int("runs", 20, "measurements to make")
	rate := flag.Float64("rate", 300, "offered rate, req/s")
	dur := flag.Duration("duration", 5*time.Second, "length of each measurement (of each trial)")
	trials := flag.Int("trials", 1, "trials pooled into each measurement (stats.Pool), back to back")
	flag.Parse()
	if err := run(*runs, *trials, *rate, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "coverage:", err)
		os.Exit(1)
	}
}

// measurement is one run's figures and intervals.
type measurement struct {
	lat      results.Latency
	ci       results.LatencyCI
	unknown  []string
	tput     float64
	tputCI   results.Interval
	valid    bool
	warnings []string
}

func run(runs, trials int, rate float64, dur time.Duration) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve)}
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.Serve(ln) })
	defer wg.Wait()
	defer srv.Close()

	gen, err := load.New(load.Config{BaseURL: "http://" + ln.Addr().String(), Requests: []load.Request{{Name: "sleep", Method: "GET", Path: "/"}}, MaxWorkers: 64})
	if err != nil {
		return err
	}
	ctx := context.Background()
	all := hdrhistogram.New(1, 3_600_000_000, 3)
	var ms []measurement
	for i := 0; i < runs; i++ {
		var tr []results.Step
		for k := 0; k < max(trials, 1); k++ {
			steps, err := gen.Run(ctx, load.Phase{Model: load.ModelOpen, Rate: rate, Duration: dur})
			if err != nil {
				return err
			}
			if len(steps) != 1 {
				return errors.New("a phase without exactly one step")
			}
			tr = append(tr, steps[0])
		}
		s := stats.Pool(tr)
		if s.LatencyCI == nil || s.ThroughputCI == nil {
			return errors.New("a step without intervals")
		}
		h, err := results.DecodeHistogram(s.Histograms[load.HistLatency])
		if err != nil {
			return err
		}
		all.Merge(h)
		ms = append(ms, measurement{lat: s.Latency, ci: *s.LatencyCI, unknown: s.CINotEnoughData, tput: s.Throughput, tputCI: *s.ThroughputCI, valid: s.Valid, warnings: s.Warnings})
		fmt.Fprintf(os.Stderr, "run %d/%d: p50 %.3f %v p90 %.3f %v p99 %.3f %v throughput %.2f %v valid %v\n", i+1, runs,
			s.Latency.P50, s.LatencyCI.P50, s.Latency.P90, s.LatencyCI.P90, s.Latency.P99, s.LatencyCI.P99, s.Throughput, *s.ThroughputCI, s.Valid)
	}
	report(ms, all, rate, runs, trials, dur)
	return nil
}

// serve sleeps for a draw of the distribution.
func serve(w http.ResponseWriter, _ *http.Request) {
	d := time.Duration((baseMs + rand.ExpFloat64()*meanMs) * float64(time.Millisecond))
	time.Sleep(d)
	w.WriteHeader(http.StatusNoContent)
}

// report prints, per figure, how many runs' intervals held the truth:
// the figure over every request of every run (the long-run value of this
// machine, scheduling delays included) and, for latency, the served
// distribution's own quantile (which leaves out loopback and timer
// overhead, so it is an optimistic truth).
func report(ms []measurement, all *hdrhistogram.Histogram, rate float64, runs, trials int, dur time.Duration) {
	fmt.Printf("coverage of the 95%% intervals: %d runs of %d trial(s) × %v at %g req/s (served: %.1f ms + Exp(mean %.1f ms), slept)\n",
		runs, max(trials, 1), dur, rate, baseMs, meanMs)
	fmt.Printf("%-10s %10s %10s %14s %14s %14s %6s\n", "figure", "truth", "nominal", "held (pooled)", "valid runs", "held (nominal)", "n/a")
	var spread []string
	for _, f := range []struct {
		name string
		q    float64
		get  func(measurement) (float64, results.Interval)
	}{
		{"p50", 50, func(m measurement) (float64, results.Interval) { return m.lat.P50, m.ci.P50 }},
		{"p90", 90, func(m measurement) (float64, results.Interval) { return m.lat.P90, m.ci.P90 }},
		{"p99", 99, func(m measurement) (float64, results.Interval) { return m.lat.P99, m.ci.P99 }},
	} {
		truth := float64(all.ValueAtQuantile(f.q)) / 1000
		held, heldNom, na, valid, heldValid := 0, 0, 0, 0, 0
		for _, m := range ms {
			if contains(m.unknown, f.name) {
				na++
				continue
			}
			_, iv := f.get(m)
			if iv.Contains(truth) {
				held++
			}
			if m.valid {
				valid++
				if iv.Contains(truth) {
					heldValid++
				}
			}
			if iv.Contains(nominal(f.q / 100)) {
				heldNom++
			}
		}
		n := len(ms) - na
		fmt.Printf("%-10s %10.3f %10.3f %14s %14s %14s %6d\n", f.name, truth, nominal(f.q/100), share(held, n), share(heldValid, valid), share(heldNom, n), na)
		spread = append(spread, runSpread(f.name, ms, f.get))
	}
	held, valid, heldValid := 0, 0, 0
	for _, m := range ms {
		if m.tputCI.Contains(rate) {
			held++
		}
		if m.valid {
			valid++
			if m.tputCI.Contains(rate) {
				heldValid++
			}
		}
	}
	fmt.Printf("%-10s %10.1f %10s %14s %14s %14s %6d\n", "throughput", rate, "-", share(held, len(ms)), share(heldValid, valid), "-", 0)
	fmt.Println("\nrun-to-run spread on the log scale (sd of the runs' estimates) vs the sd the intervals imply (log half-width / 1.96):")
	for _, l := range spread {
		fmt.Println(l)
	}
}

// runSpread compares how far a figure moved between runs with how far the
// runs' own intervals said it could: the first larger means the intervals
// are too narrow (stats.RunToRunSD is the allowance for it).
func runSpread(name string, ms []measurement, get func(measurement) (float64, results.Interval)) string {
	var logs, implied []float64
	for _, m := range ms {
		v, iv := get(m)
		if v <= 0 || iv[0] <= 0 || contains(m.unknown, name) {
			continue
		}
		logs = append(logs, math.Log(v))
		implied = append(implied, (math.Log(iv[1])-math.Log(iv[0]))/2/1.96)
	}
	if len(logs) < 2 {
		return fmt.Sprintf("%-10s not enough runs", name)
	}
	return fmt.Sprintf("%-10s observed %.4f  implied %.4f (mean)", name, stat.StdDev(logs, nil), stat.Mean(implied, nil))
}

func share(k, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d %3.0f%%", k, n, 100*float64(k)/float64(n))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
