package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckURLHealth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.WriteHeader(http.StatusNoContent)
		case "/":
			http.NotFound(w, r) // a service whose root is 404 is still up
		case "/broken":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:pw-secret@", 1)
	for path, want := range map[string]string{"/healthz": "", "/": "", "/missing": "404", "/broken": "503"} {
		err := checkURLHealth(context.Background(), u, path)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v, want ok", path, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want an error with %s", path, err, want)
		case err != nil && strings.Contains(err.Error(), "pw-secret"):
			t.Errorf("%s: error leaks the password: %v", path, err)
		}
	}
}
