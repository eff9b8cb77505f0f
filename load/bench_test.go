package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// echoEnv makes the test binary serve a trivial HTTP server instead of
// running tests: the benchmark's target runs in a separate process so its
// CPU is not counted as the generator's.
const echoEnv = "LOAD_ECHO_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(echoEnv) == "1" {
		if err := serveEcho(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

// serveEcho answers every request with "ok" on a loopback port it prints
// to out, until in reaches EOF (its parent closed the pipe or died).
func serveEcho(in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("echo server: %w", err)
	}
	fmt.Fprintln(out, ln.Addr().String())
	body := []byte("ok")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(InstanceHeader, "echo")
		_, _ = w.Write(body)
	})}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	_, _ = io.Copy(io.Discard, in)
	_ = srv.Close()
	<-done
	return nil
}

// startEcho runs the echo server in a child process, pinned to the last
// CPU with taskset when there is one and more than one CPU, and returns
// its base URL.
func startEcho(b *testing.B) string {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	args := []string{self}
	if tp, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() > 1 {
		args = append([]string{tp, "-c", strconv.Itoa(runtime.NumCPU() - 1)}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), echoEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("start echo server: %v", err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("echo server address: %v", err)
	}
	return "http://" + addr[:len(addr)-1]
}

// BenchmarkMaxRate measures the generator's CPU cost per request at its
// maximum rate: closed model, 64 clients, against a trivial server in
// another process (LOAD_BENCH_TARGET overrides it, e.g. to share a server
// with the vegeta CLI; LOAD_BENCH_DURATION sets each run's length, default
// 5s). CPU is this whole process's getrusage time. Pin this process to a
// CPU of its own (taskset -c 0) for stable figures: see
// scripts/bench-generator.sh.
//
// It runs once per engine, as BenchmarkMaxRate/nethttp and /fast.
func BenchmarkMaxRate(b *testing.B) {
	for _, e := range []string{EngineNetHTTP, EngineFast} {
		b.Run(e, func(b *testing.B) { benchMaxRate(b, e) })
	}
}

func benchMaxRate(b *testing.B, engine string) {
	target := benchTarget(b)
	dur := benchDuration(b)
	g, err := New(Config{BaseURL: target, Requests: []Request{{Path: "/"}}, MaxWorkers: 64, Engine: engine})
	if err != nil {
		b.Fatal(err)
	}
	var (
		reqs, errs uint64
		cpu, wall  time.Duration
	)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, _ := processCPU()
		t0 := time.Now()
		steps, err := g.Run(context.Background(), Phase{Model: ModelClosed, Concurrency: 64, Duration: dur})
		if err != nil {
			b.Fatal(err)
		}
		wall += time.Since(t0)
		c1, _ := processCPU()
		cpu += c1 - c0
		reqs += steps[0].Requests
		errs += steps[0].Errors
	}
	if reqs == 0 || errs > 0 {
		b.Fatalf("%d requests, %d errors", reqs, errs)
	}
	b.ReportMetric(cpu.Seconds()/float64(reqs)*1e5, "cpu-s/100k-req")
	b.ReportMetric(float64(reqs)/wall.Seconds(), "req/s")
	b.ReportMetric(float64(cpu)/float64(reqs), "cpu-ns/req")
}

// benchTarget is LOAD_BENCH_TARGET, else an echo server of the benchmark's
// own.
func benchTarget(b *testing.B) string {
	if t := os.Getenv("LOAD_BENCH_TARGET"); t != "" {
		return t
	}
	return startEcho(b)
}

// benchDuration is LOAD_BENCH_DURATION, default 5 s.
func benchDuration(b *testing.B) time.Duration {
	s := os.Getenv("LOAD_BENCH_DURATION")
	if s == "" {
		return 5 * time.Second
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		b.Fatalf("LOAD_BENCH_DURATION: %v", err)
	}
	return d
}
