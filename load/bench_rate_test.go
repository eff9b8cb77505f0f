package load

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// BenchmarkOpenRate measures how exactly each engine holds an open-model
// arrival rate at speed: one step at LOAD_BENCH_RATE req/s (default
// 20,000) for LOAD_BENCH_DURATION (default 5 s), against the echo server
// in another process (or LOAD_BENCH_TARGET), 256 workers. It reports the
// achieved rate, its error against the offered rate in percent (the goal is
// within ±0.5%), the hits left unsent, the schedule lag's p99 and the
// generator's CPU. scripts/bench-memory.sh runs it for minutes to watch the
// generator's memory.
func BenchmarkOpenRate(b *testing.B) {
	for _, e := range []string{EngineNetHTTP, EngineFast} {
		b.Run(e, func(b *testing.B) { benchOpenRate(b, e) })
	}
}

func benchOpenRate(b *testing.B, engine string) {
	rate := 20000.0
	if s := os.Getenv("LOAD_BENCH_RATE"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r <= 0 {
			b.Fatalf("LOAD_BENCH_RATE %q: want a rate > 0", s)
		}
		rate = r
	}
	dur := benchDuration(b)
	g, err := New(Config{BaseURL: benchTarget(b), Requests: []Request{{Path: "/"}}, Engine: engine})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		steps, err := g.Run(context.Background(), Phase{Model: ModelOpen, Rate: rate, Duration: dur})
		if err != nil {
			b.Fatal(err)
		}
		st := steps[0]
		if st.Errors > 0 {
			b.Fatalf("%d errors of %d requests: %v", st.Errors, st.Requests, st.ErrorsByKind)
		}
		b.ReportMetric(st.AchievedRate, "achieved-req/s")
		b.ReportMetric((st.AchievedRate-st.OfferedRate)/st.OfferedRate*100, "rate-error-%")
		b.ReportMetric(float64(st.Unsent), "unsent")
		b.ReportMetric(st.ScheduleLag.P99, "lag-p99-ms")
		b.ReportMetric(st.Latency.P99, "latency-p99-ms")
		b.ReportMetric(st.Generator.CPUCores, "gen-cores")
		if !st.Valid {
			b.Logf("step invalid: %q", st.Warnings)
		}
	}
}
