package main

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/scenarios"
)

func TestOverrideEngine(t *testing.T) {
	plain, err := scenarios.Parse("p.yaml", []byte("requests:\n  - path: /\nload:\n  rate: 10\ntargets:\n  - url: http://127.0.0.1:8080\n"))
	if err != nil {
		t.Fatal(err)
	}
	tls, err := scenarios.Parse("t.yaml", []byte("requests:\n  - path: /\nload:\n  rate: 10\ntargets:\n  - url: https://127.0.0.1:8443\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := overrideEngine(plain, ""); err != nil || plain.Load.Engine != "" {
		t.Errorf("no flag: err %v, engine %q, want nil, \"\"", err, plain.Load.Engine)
	}
	if err := overrideEngine(plain, "nethttp"); err != nil || plain.Load.Engine != "nethttp" {
		t.Errorf("--engine nethttp: err %v, engine %q", err, plain.Load.Engine)
	}
	if err := overrideEngine(plain, "turbo"); err == nil || !strings.Contains(err.Error(), "want one of auto, nethttp, fast") {
		t.Errorf("--engine turbo: err %v, want one naming the engines", err)
	}
	if err := overrideEngine(tls, "fast"); err == nil || !strings.Contains(err.Error(), "plain http:// only") {
		t.Errorf("--engine fast on https: err %v, want a refusal", err)
	}
}
