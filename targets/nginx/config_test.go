package nginx

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRenderNginxAccepts checks the rendered configuration with the real
// nginx (`nginx -t`), for both policies.
func TestRenderNginxAccepts(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			t.Fatal("nginx not found: install it (apt-get install -y nginx)")
		}
	}
	for _, policy := range []string{RoundRobin, LeastConn} {
		t.Run(policy, func(t *testing.T) {
			dir := t.TempDir()
			text, err := Render(Config{Listen: "127.0.0.1:1", Upstreams: []string{"127.0.0.1:2", "127.0.0.1:3"}, Policy: policy,
				PIDFile: filepath.Join(dir, "nginx.pid"), TempDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"map $http_upgrade $connection_upgrade", "location /ws", "server 127.0.0.1:3;", "keepalive 256;"} {
				if !strings.Contains(string(text), want) {
					t.Errorf("config lacks %q:\n%s", want, text)
				}
			}
			if got := strings.Contains(string(text), "least_conn;"); got != (policy == LeastConn) {
				t.Errorf("least_conn present = %v, want %v", got, policy == LeastConn)
			}
			conf := filepath.Join(dir, "nginx.conf")
			if err := os.WriteFile(conf, text, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "-t", "-p", dir+"/", "-c", conf, "-e", "stderr").CombinedOutput(); err != nil {
				t.Errorf("nginx -t: %v\n%s\n%s", err, out, text)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name string
		c    Config
	}{
		{"policy", Config{Listen: "80", Upstreams: []string{"a:1"}, PIDFile: "/p", TempDir: "/t", Policy: "random"}},
		{"no upstreams", Config{Listen: "80", PIDFile: "/p", TempDir: "/t"}},
	}
	for _, tt := range tests {
		if _, err := Render(tt.c); err == nil {
			t.Errorf("Render(%s) = nil error, want one", tt.name)
		}
	}
}

// TestRenderQuotesPaths: a prefix holding a space, quotes, ';', '{', '#',
// '$' and a backslash stays one argument per directive; the real nginx
// accepts the configuration and writes its pid where it was told.
func TestRenderQuotesPaths(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			t.Fatal("nginx not found: install it (apt-get install -y nginx)")
		}
	}
	dir := filepath.Join(t.TempDir(), `a b"c;d{e}#f$g\h'i`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pid := filepath.Join(dir, "nginx.pid")
	text, err := Render(Config{Listen: "127.0.0.1:1", Upstreams: []string{"127.0.0.1:2"}, PIDFile: pid, TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, text, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-p", dir+"/", "-c", conf, "-e", "stderr").CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s\n%s", err, out, text)
	}
	if q := quote(`a"b\c`); q != `"a\"b\\c"` {
		t.Errorf(`quote(a"b\c) = %s, want "a\"b\\c"`, q)
	}
}
