package main

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A real short run whose scenario holds secrets, literal and from the
// environment: no file of the run folder and nothing printed contains any
// of them, while the server did receive the real values (issue 10,
// finding 11).
func TestRunLeaksNoSecret(t *testing.T) {
	t.Setenv("SB_TEST_TOKEN", "envtoken-9f8e7d6c5b")
	t.Setenv("SB_TEST_ENV", "envvalue-1a2b3c4d")
	t.Setenv("SB_TEST_QUERY", "envquery-5e6f7a8b")
	srv, gotAuth, gotQuery := secretServer(t)
	secretsList := []string{
		"envtoken-9f8e7d6c5b", "envvalue-1a2b3c4d", "envquery-5e6f7a8b", // from the environment
		"literal-cookie-4711", "literal-tenant-0815", "literal-apikey-2222", "literal-qtoken-3333",
		"literal-envval-4444", "urlpassword-5555", "literal-envval-6666",
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	yaml := `name: secrets
defaults: {warmup: 0s, duration: 400ms}
secret_headers: [X-Tenant]
requests:
  - path: /work?cpu=0ms&token=literal-qtoken-3333
    headers:
      Authorization: "Bearer ${env:SB_TEST_TOKEN}"
      Cookie: session=literal-cookie-4711
      X-Tenant: 'literal-tenant-0815'
      X-Api-Key: literal-apikey-2222
  - path: /q?access_token=${env:SB_TEST_QUERY}
load: {rate: 20}
targets:
  - name: mine
    url: "http://user:urlpassword-5555@` + host + `/"
  - name: single
    topology: single
    env: {LITERAL: literal-envval-4444, FROM_ENV: "${env:SB_TEST_ENV}"}
  - name: chatty
    # A server that prints its secrets and every request line (query
    # tokens included) to its log.
    command: [sh, -c, 'echo "env $LITERAL2 $FROM_ENV2"; exec python3 -u -m http.server "$PORT" --bind 127.0.0.1']
    env: {LITERAL2: literal-envval-6666, FROM_ENV2: "${env:SB_TEST_ENV}"}
`
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	stdout, stderr := mustRunCLI(t, "run", file, "--out", out, "--no-progress")
	if a, _ := gotAuth.Load().(string); a != "Bearer envtoken-9f8e7d6c5b" {
		t.Errorf("server got Authorization %q, want the value from the environment", a)
	}
	if q, _ := gotQuery.Load().(string); q != "envquery-5e6f7a8b" {
		t.Errorf("server got access_token %q, want the value from the environment", q)
	}
	checkNoSecret(t, "stdout", stdout, secretsList)
	checkNoSecret(t, "stderr", stderr, secretsList)
	checkRunFolder(t, out, secretsList)
	data, _ := os.ReadFile(filepath.Join(out, "results.json"))
	if testing.Verbose() {
		t.Logf("results.json:\n%s", data)
	}
	for _, want := range []string{`${env:SB_TEST_TOKEN}`, `[redacted]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("results.json lacks %q (the unexpanded or redacted form)", want)
		}
	}
}

// secretServer serves "ok" and records the last bearer Authorization
// header and access_token query value it received.
func secretServer(t *testing.T) (srv *httptest.Server, gotAuth, gotQuery *atomic.Value) {
	t.Helper()
	gotAuth, gotQuery = new(atomic.Value), new(atomic.Value)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer") {
			gotAuth.Store(a)
		}
		if q := r.URL.Query().Get("access_token"); q != "" {
			gotQuery.Store(q)
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, gotAuth, gotQuery
}

// checkNoSecret reports each of secrets that text contains.
func checkNoSecret(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s contains the secret %q", what, s)
		}
	}
}

// checkRunFolder checks that no file of the run folder out contains any
// of secrets, and that the folder holds logs and at least three files.
func checkRunFolder(t *testing.T, out string, secrets []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		checkNoSecret(t, p, string(data), secrets)
		return nil
	})
	if logs, _ := filepath.Glob(filepath.Join(out, "logs", "*")); len(logs) == 0 {
		t.Errorf("no logs in %s: the test needs the chatty server's log", out)
	}
	if err != nil || files < 3 {
		t.Fatalf("walk %s: %v (%d files)", out, err, files)
	}
}
