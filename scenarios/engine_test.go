package scenarios

import (
	"strings"
	"testing"
)

func TestLoadEngine(t *testing.T) {
	const requests = "requests:\n  - path: /\n"
	const flows = "flows:\n  - name: f\n    steps:\n      - name: s\n        path: /\n"
	const local = "targets:\n  - url: http://127.0.0.1:8080\n"
	const tls = "targets:\n  - url: https://127.0.0.1:8443\n"
	tests := []struct {
		name, yaml string
		want       string // engine, or "error: …" substring
	}{
		{"default", requests + "load:\n  rate: 10\n" + local, ""},
		{"auto", requests + "load:\n  rate: 10\n  engine: auto\n" + tls, EngineAuto},
		{"nethttp", requests + "load:\n  rate: 10\n  engine: nethttp\n" + tls, EngineNetHTTP},
		{"fast", requests + "load:\n  rate: 10\n  engine: fast\n" + local, EngineFast},
		{"unknown", requests + "load:\n  rate: 10\n  engine: turbo\n" + local, `error: x.yaml:5: load.engine: must be one of`},
		{"fast https", requests + "load:\n  rate: 10\n  engine: fast\n" + tls, `error: x.yaml:5: load.engine: targets[0] "url" is https://`},
		{"fast flows", flows + "load:\n  rate: 10\n  engine: fast\n" + local, "error: x.yaml:8: load.engine: flows always use net/http"},
		{"auto flows", flows + "load:\n  rate: 10\n" + local, ""},
	}
	for _, tt := range tests {
		s, err := Parse("x.yaml", []byte(tt.yaml))
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = s.Load.Engine
		}
		if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
			if !strings.Contains(got, want) {
				t.Errorf("%s: Parse = %q, want an error containing %q", tt.name, got, want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: load.engine = %q, want %q", tt.name, got, tt.want)
		}
	}
}
