package cache_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app/cache"
	"github.com/scalebench/scalebench/app/cache/simdb"
	"github.com/scalebench/scalebench/targets/cachemeter"
	"github.com/scalebench/scalebench/targets/redis/redistest"
)

// newHandler returns a handler with a zero-latency database unless opts
// say otherwise.
func newHandler(t *testing.T, edit func(*cache.Options)) *cache.Handler {
	t.Helper()
	o := cache.DefaultOptions()
	o.Seed = 1
	o.DB.Latency = simdb.Latency{Kind: "fixed"}
	edit(&o)
	h, err := cache.New(o)
	if err != nil {
		t.Fatalf("cache.New() = %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// get serves one GET and feeds the meter.
func get(h http.Handler, m *cachemeter.Meter, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if m != nil {
		m.Observe(rec.Result().Header)
	}
	return rec
}

func TestZipfRaisesHitRatio(t *testing.T) {
	srv := redistest.Start(t)
	ratio := func(popularity, prefix string) float64 {
		h := newHandler(t, func(o *cache.Options) {
			o.Redis, o.Popularity, o.Prefix, o.Keys = srv.Addr(), popularity, prefix, 5000
		})
		m := cachemeter.NewMeter()
		for range 2000 {
			if rec := get(h, m, "/user/random"); rec.Code != http.StatusOK {
				t.Fatalf("GET /user/random = %d %s, want 200", rec.Code, rec.Body)
			}
		}
		if r := m.Stats(time.Second).HitRatio; r != nil {
			return *r
		}
		return 0
	}
	uniform, zipf := ratio(cache.Uniform, "u:"), ratio(cache.Zipf, "z:")
	t.Logf("hit ratio: uniform %.3f, zipf(1.1) %.3f", uniform, zipf)
	if uniform > 0.3 {
		t.Errorf("uniform hit ratio = %.3f, want < 0.3 (2000 draws over 5000 keys)", uniform)
	}
	if zipf < uniform+0.3 {
		t.Errorf("zipf hit ratio = %.3f, want ≥ uniform (%.3f) + 0.3", zipf, uniform)
	}
}

func TestCacheAside(t *testing.T) {
	srv := redistest.Start(t)
	h := newHandler(t, func(o *cache.Options) { o.Redis = srv.Addr() })
	tests := []struct {
		path, cache, dbCall string
		code                int
	}{
		{"/user/42", cachemeter.Miss, "1", 200},
		{"/user/42", cachemeter.Hit, "0", 200},
		{"/user/43", cachemeter.Miss, "1", 200},
		{"/user/x", "", "", 404},
	}
	for _, tt := range tests {
		rec := get(h, nil, tt.path)
		if rec.Code != tt.code {
			t.Errorf("GET %s = %d, want %d", tt.path, rec.Code, tt.code)
		}
		if got := rec.Header().Get(cachemeter.HeaderCache); got != tt.cache {
			t.Errorf("GET %s: %s = %q, want %q", tt.path, cachemeter.HeaderCache, got, tt.cache)
		}
		if got := rec.Header().Get(cachemeter.HeaderDBCall); got != tt.dbCall {
			t.Errorf("GET %s: %s = %q, want %q", tt.path, cachemeter.HeaderDBCall, got, tt.dbCall)
		}
	}
	if got, want := get(h, nil, "/user/42").Body.String(), `{"id":42,"name":"user-42","email":"user-42@example.com"}`+"\n"; got != want {
		t.Errorf("GET /user/42 body = %q, want %q", got, want)
	}
	st := h.Stats()
	if st.Hits != 2 || st.Misses != 2 || st.DB.Calls != 2 {
		t.Errorf("Stats() = %+v, want 2 hits, 2 misses, 2 DB calls", st)
	}
}

func TestNoCacheBypasses(t *testing.T) {
	h := newHandler(t, func(o *cache.Options) { o.Mode = cache.ModeNoCache })
	m := cachemeter.NewMeter()
	for range 10 {
		get(h, m, "/user/7")
	}
	x := m.Stats(time.Second)
	if x.Bypass != 10 || x.DBCalls != 10 || x.DBCallsPerS != 10 {
		t.Errorf("nocache Stats() = %+v, want 10 bypass, 10 db calls, 10/s", x)
	}
	if x.HitRatio != nil {
		t.Errorf("nocache Stats() has a hit ratio %v, want none", *x.HitRatio)
	}
}

func TestPoolSaturationRaisesWait(t *testing.T) {
	waitP99 := func(pool int) float64 {
		h := newHandler(t, func(o *cache.Options) {
			o.Mode = cache.ModeNoCache
			o.DB.Latency = simdb.Latency{Kind: "fixed", A: 5 * time.Millisecond}
			o.DB.PoolSize = pool
		})
		m := cachemeter.NewMeter()
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for range 4 {
					get(h, m, "/user/random")
				}
			})
		}
		wg.Wait()
		return m.Stats(time.Second).DBWaitMs.P99
	}
	wide, narrow := waitP99(16), waitP99(2)
	t.Logf("db wait p99: pool 16 %.2f ms, pool 2 %.2f ms", wide, narrow)
	if narrow < 10 || narrow < 4*wide {
		t.Errorf("db wait p99 with pool 2 = %.2f ms, want ≥ 10 ms and ≥ 4 × pool 16's (%.2f ms)", narrow, wide)
	}
}

func TestRedisKilledAnswers503Quickly(t *testing.T) {
	srv := redistest.Start(t)
	h := newHandler(t, func(o *cache.Options) { o.Redis = srv.Addr() })
	if rec := get(h, nil, "/user/1"); rec.Code != 200 {
		t.Fatalf("GET before kill = %d, want 200", rec.Code)
	}
	srv.Kill()
	for i := range 5 {
		start := time.Now()
		rec := get(h, nil, "/user/1")
		d := time.Since(start)
		t.Logf("GET %d after kill: %v", i, d)
		if d > 2*time.Second {
			t.Errorf("GET %d after kill took %v, want < 2s", i, d)
		}
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get(cachemeter.HeaderCache) != cachemeter.Error {
			t.Errorf("GET %d after kill = %d %s=%q, want 503 %s=error", i, rec.Code, cachemeter.HeaderCache, rec.Header().Get(cachemeter.HeaderCache), cachemeter.HeaderCache)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	o := cache.DefaultOptions()
	o.Mode, o.Keys, o.ZipfS = "lru", 0, 1
	err := o.Validate()
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{"mode", "keys", "zipf"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
}
