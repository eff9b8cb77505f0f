package queue_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets/queuemeter"
	sbredis "github.com/scalebench/scalebench/targets/redis"

	"github.com/google/go-cmp/cmp"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scalebench/scalebench/app/queue"
	"github.com/scalebench/scalebench/targets/redis/redistest"
)

// setup starts Redis and returns a queue handler and a client.
func setup(t *testing.T, edit func(*queue.Options)) (*queue.Handler, *goredis.Client, func()) {
	t.Helper()
	srv := redistest.Start(t)
	o := queue.DefaultOptions()
	o.Redis = srv.Addr()
	o.Work, o.Duration = queue.WorkIO, 5*time.Millisecond
	if edit != nil {
		edit(&o)
	}
	h, err := queue.New(context.Background(), o)
	if err != nil {
		t.Fatalf("queue.New() = %v", err)
	}
	rdb := sbredis.NewClient(srv.Addr(), 8, time.Second)
	t.Cleanup(func() { _ = h.Close(); _ = rdb.Close() })
	return h, rdb, srv.Kill
}

func post(h http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, nil))
	return rec
}

// startWorkers runs n workers until the returned stop is called.
func startWorkers(t *testing.T, rdb *goredis.Client, n int, claimIdle time.Duration) (stop func() []queue.WorkerStats) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stats := make([]queue.WorkerStats, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := queue.Work(ctx, queue.WorkerOptions{Redis: rdb, Consumer: "w" + string(rune('a'+i)), ClaimIdle: claimIdle, Block: 100 * time.Millisecond})
			if err != nil {
				t.Errorf("Work() = %v", err)
			}
			stats[i] = s
		})
	}
	var once sync.Once
	stop = func() []queue.WorkerStats {
		once.Do(func() { cancel(); wg.Wait() })
		return stats
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestAccountingExact(t *testing.T) {
	h, rdb, _ := setup(t, nil)
	const n = 40
	var ids []string
	for range n {
		rec := post(h, "/jobs")
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST /jobs = %d %s, want 202", rec.Code, rec.Body)
		}
		id := rec.Header().Get(queue.HeaderJob)
		if id == "" || !strings.Contains(rec.Body.String(), id) {
			t.Fatalf("POST /jobs: %s = %q, body %s: want the id in both", queue.HeaderJob, id, rec.Body)
		}
		ids = append(ids, id)
	}
	stop := startWorkers(t, rdb, 2, 5*time.Second)
	ctx := context.Background()
	a, err := queuemeter.Drain(ctx, rdb, "", 10*time.Second)
	if err != nil {
		t.Fatalf("Drain() = %v", err)
	}
	stats := stop()
	if !a.Drained || a.Accepted != n || a.Completed != n || a.Missing != 0 || a.Duplicates != 0 {
		t.Errorf("Drain() = %+v, want drained, %d accepted and completed, 0 missing", a, n)
	}
	if got := stats[0].Done + stats[1].Done; got != n {
		t.Errorf("workers done = %d (%+v), want %d", got, stats, n)
	}
	b, err := queuemeter.AccountIDs(ctx, rdb, "", ids)
	if err != nil || b.Completed != n || b.Missing != 0 {
		t.Errorf("AccountIDs() = %+v, %v, want %d completed, 0 missing", b, err, n)
	}
	s, err := queuemeter.NewCollector(rdb, "").Collect(ctx)
	if err != nil {
		t.Fatalf("Collect() = %v", err)
	}
	if s.New != n || s.E2E.TotalCount() != n || s.Depth != 0 || s.Completed != n {
		t.Errorf("Collect() = new %d, e2e count %d, depth %d, completed %d; want %d, %d, 0, %d", s.New, s.E2E.TotalCount(), s.Depth, s.Completed, n, n, n)
	}
	if got := s.Service.Min(); got < 4000 {
		t.Errorf("service time min = %d µs, want ≥ 5 ms of io work", got)
	}
	if s2, _ := queuemeter.NewCollector(rdb, "").Collect(ctx); s2.New != n {
		t.Errorf("a second Collector read %d completions, want %d", s2.New, n)
	}
}

func TestClaimRecoversKilledWorker(t *testing.T) {
	h, rdb, _ := setup(t, nil)
	ctx := context.Background()
	if rec := post(h, "/jobs?duration=300ms"); rec.Code != http.StatusAccepted {
		t.Fatalf("POST = %d, want 202", rec.Code)
	}
	// Worker A takes the job and dies mid-job.
	stopA := startWorkers(t, rdb, 1, time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := rdb.XPending(ctx, queuemeter.DefaultPrefix, queuemeter.DefaultGroup).Result()
		if err == nil && p.Count == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never taken by worker A: %v %v", p, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if a := stopA(); a[0].Done != 0 {
		t.Fatalf("worker A done = %d, want 0 (killed mid-job)", a[0].Done)
	}
	// Worker B claims it once it has been idle 100 ms.
	stopB := startWorkers(t, rdb, 1, 100*time.Millisecond)
	a, err := queuemeter.Drain(ctx, rdb, "", 5*time.Second)
	b := stopB()
	if err != nil || !a.Drained || a.Completed != 1 || a.Missing != 0 {
		t.Errorf("Drain() = %+v, %v; want the job completed", a, err)
	}
	if b[0].Claimed != 1 || b[0].Done != 1 {
		t.Errorf("worker B stats = %+v, want 1 claimed, 1 done", b[0])
	}
}

func TestMaxDepthRefuses(t *testing.T) {
	h, rdb, _ := setup(t, func(o *queue.Options) { o.MaxDepth = 3 })
	var codes []int
	for range 5 {
		rec := post(h, "/jobs")
		codes = append(codes, rec.Code)
		if rec.Code == http.StatusServiceUnavailable && rec.Header().Get(queue.HeaderQueue) != "full" {
			t.Errorf("refused job: %s = %q, want full", queue.HeaderQueue, rec.Header().Get(queue.HeaderQueue))
		}
	}
	if diff := cmp.Diff([]int{202, 202, 202, 503, 503}, codes); diff != "" {
		t.Errorf("status codes mismatch (-want +got):\n%s", diff)
	}
	s, err := queuemeter.NewCollector(rdb, "").Collect(context.Background())
	if err != nil || s.Accepted != 3 || s.Refused != 2 || s.Depth != 3 {
		t.Errorf("Collect() = accepted %d refused %d depth %d (%v), want 3 2 3", s.Accepted, s.Refused, s.Depth, err)
	}
	a, err := queuemeter.Drain(context.Background(), rdb, "", 100*time.Millisecond)
	if err != nil || a.Drained || a.Missing != 3 || len(a.MissingIDs) != 3 {
		t.Errorf("Drain() without workers = %+v, %v; want not drained, 3 missing with ids", a, err)
	}
}

func TestRedisKilledNothingHangs(t *testing.T) {
	h, rdb, kill := setup(t, nil)
	var ids []string
	for range 5 {
		ids = append(ids, post(h, "/jobs?duration=1s").Header().Get(queue.HeaderJob))
	}
	stop := startWorkers(t, rdb, 2, time.Second)
	time.Sleep(50 * time.Millisecond)
	kill()
	start := time.Now()
	rec := post(h, "/jobs")
	if d := time.Since(start); d > 2*time.Second || rec.Code != http.StatusServiceUnavailable {
		t.Errorf("POST after kill = %d in %v, want 503 within 2s", rec.Code, d)
	}
	start = time.Now()
	if _, err := queuemeter.Drain(context.Background(), rdb, "", 5*time.Second); err == nil {
		t.Errorf("Drain() after kill = nil error, want one")
	}
	a, err := queuemeter.AccountIDs(context.Background(), rdb, "", ids)
	if err == nil || a.Missing != 5 {
		t.Errorf("AccountIDs() after kill = %+v, %v; want 5 missing and an error", a, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Drain + AccountIDs after kill took %v, want < 3s", d)
	}
	start = time.Now()
	stop()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopping workers after kill took %v, want < 3s", d)
	}
}

func TestSyncAndBadRequests(t *testing.T) {
	o := queue.DefaultOptions()
	o.Mode, o.Duration = queue.ModeSync, time.Millisecond
	h, err := queue.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target string
		want   int
	}{
		{"/jobs", 200},
		{"/jobs?work=io&duration=2ms", 200},
		{"/jobs?work=gpu", 400},
		{"/jobs?duration=1h", 400},
		{"/jobs?duration=x", 400},
	}
	for _, tt := range tests {
		if rec := post(h, tt.target); rec.Code != tt.want {
			t.Errorf("POST %s = %d %s, want %d", tt.target, rec.Code, rec.Body, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/jobs", strings.NewReader(`{"work":"cpu","duration":"2ms"}`))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"done"`) {
		t.Errorf("POST JSON sync = %d %s, want 200 done", rec.Code, rec.Body)
	}
}
