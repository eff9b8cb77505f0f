package sessions_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app/sessions"
	"github.com/scalebench/scalebench/targets/redis/redistest"
)

func newHandler(t *testing.T, store, addr string) *sessions.Handler {
	t.Helper()
	o := sessions.DefaultOptions()
	o.Store, o.Redis = store, addr
	h, err := sessions.New(o)
	if err != nil {
		t.Fatalf("sessions.New(%s) = %v", store, err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// login logs in on a and returns the cookie.
func login(t *testing.T, h http.Handler, body, contentType string) *http.Cookie {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("POST /login %s = %d %s, want 200", body, rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessions.CookieName {
			return c
		}
	}
	t.Fatalf("POST /login: no %s cookie", sessions.CookieName)
	return nil
}

func me(h http.Handler, c *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestAcrossReplicas is the lesson of the sessions suite: two instances
// (replicas), log in on one, ask /me on the other.
func TestAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	tests := []struct {
		store     string
		wantOther int
	}{
		{sessions.StoreMemory, http.StatusUnauthorized},
		{sessions.StoreRedis, http.StatusOK},
	}
	for _, tt := range tests {
		a, b := newHandler(t, tt.store, srv.Addr()), newHandler(t, tt.store, srv.Addr())
		c := login(t, a, `{"user":"ada"}`, "application/json")
		if rec := me(a, c); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ada"`) {
			t.Errorf("%s: /me on the same instance = %d %s, want 200 ada", tt.store, rec.Code, rec.Body)
		}
		if rec := me(b, c); rec.Code != tt.wantOther {
			t.Errorf("%s: /me on the other instance = %d, want %d", tt.store, rec.Code, tt.wantOther)
		}
	}
}

func TestLoginAndMe(t *testing.T) {
	h := newHandler(t, sessions.StoreMemory, "")
	c := login(t, h, "user=grace", "application/x-www-form-urlencoded")
	if rec := me(h, c); rec.Code != 200 || !strings.Contains(rec.Body.String(), "grace") {
		t.Errorf("/me = %d %s, want 200 grace", rec.Code, rec.Body)
	}
	if rec := me(h, nil); rec.Code != 401 {
		t.Errorf("/me without cookie = %d, want 401", rec.Code)
	}
	if rec := me(h, &http.Cookie{Name: sessions.CookieName, Value: "nope"}); rec.Code != 401 {
		t.Errorf("/me with unknown session = %d, want 401", rec.Code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/login", strings.NewReader("")))
	if rec.Code != 400 {
		t.Errorf("POST /login without user = %d, want 400", rec.Code)
	}
}

func TestRedisDownIs503Not401(t *testing.T) {
	srv := redistest.Start(t)
	h := newHandler(t, sessions.StoreRedis, srv.Addr())
	c := login(t, h, `{"user":"ada"}`, "application/json")
	srv.Kill()
	start := time.Now()
	if rec := me(h, c); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/me with Redis down = %d, want 503", rec.Code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("/me with Redis down took %v, want < 2s", d)
	}
}
