package load

import (
	"net/url"
	"strings"
	"testing"
)

// eachEngine runs an engine-independent test once per engine, as subtests
// named after them.
func eachEngine(t *testing.T, test func(t *testing.T, engine string)) {
	for _, e := range []string{EngineNetHTTP, EngineFast} {
		t.Run(e, func(t *testing.T) { test(t, e) })
	}
}

func TestResolveEngine(t *testing.T) {
	plain, _ := url.Parse("http://127.0.0.1:8080")
	tls, _ := url.Parse("https://127.0.0.1:8443")
	tests := []struct {
		name string
		base *url.URL
		want string // engine, or "error: …" substring
	}{
		{"", plain, EngineFast},
		{EngineAuto, plain, EngineFast},
		{EngineAuto, tls, EngineNetHTTP},
		{EngineNetHTTP, plain, EngineNetHTTP},
		{EngineNetHTTP, tls, EngineNetHTTP},
		{EngineFast, plain, EngineFast},
		{EngineFast, tls, "error: plain http:// targets only"},
		{"turbo", plain, "error: engine must be one of"},
	}
	for _, tt := range tests {
		got, err := resolveEngine(tt.name, tt.base)
		if err != nil {
			got = "error: " + err.Error()
		}
		if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
			if !strings.Contains(got, want) {
				t.Errorf("resolveEngine(%q, %s) = %q, want an error containing %q", tt.name, tt.base, got, want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("resolveEngine(%q, %s) = %q, want %q", tt.name, tt.base, got, tt.want)
		}
	}
}
