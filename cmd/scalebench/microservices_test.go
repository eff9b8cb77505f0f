package main

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/results"
)

// TestMicroservicesSuite runs the built-in suite (--quick): every target
// has per-service figures at every step, every synchronous service
// handled exactly what its callers sent it, the split's bottleneck is a
// saturated or most-utilised service, and the summary names it.
func TestMicroservicesSuite(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", "microservices", "--quick", "--out", out, "--no-progress")
	if code != 0 && code != exitGate {
		t.Fatalf("run microservices: exit %d\n%s\n%s", code, stdout, stderr)
	}
	run, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]results.Target{}
	for _, tr := range run.Targets {
		if tr.Status != results.StatusOK || len(tr.Steps) == 0 {
			t.Fatalf("%s: status %q (%s); want ok (is redis-server installed? apt-get install -y redis-server)", tr.Name, tr.Status, tr.Error)
		}
		got[tr.Name] = tr
	}
	for _, name := range []string{"monolith", "split", "split-payments-x2"} {
		tr, ok := got[name]
		if !ok {
			t.Fatalf("no target %s in %v", name, got)
		}
		for _, s := range tr.Steps {
			if len(s.Services) != 4 {
				t.Fatalf("%s at %g req/s: services %v, want core, auth, payments, notifications", name, s.OfferedRate, s.Services)
			}
			for svc, f := range s.Services {
				if f.Via != "queue" && f.Requests != f.Expected {
					t.Errorf("%s at %g req/s: %s handled %d of %d sent", name, s.OfferedRate, svc, f.Requests, f.Expected)
				}
				if f.Requests == 0 || (f.Via != "in-process" && f.CPUCores <= 0) {
					t.Errorf("%s at %g req/s: %s figures %+v, want requests and CPU", name, s.OfferedRate, svc, f)
				}
			}
		}
	}
	if r := got["split-payments-x2"].Steps[0].Services["payments"].Replicas; r != 2 {
		t.Errorf("split-payments-x2 payments replicas %d, want 2", r)
	}
	if r := got["monolith"].Steps[0].Services["core"].Replicas; r != 4 {
		t.Errorf("monolith instances %d, want 4 (the split's)", r)
	}
	if !strings.Contains(stdout, "Services (where the time goes)") || !strings.Contains(stdout, "split: ") {
		t.Errorf("run output lacks the services table and verdict:\n%s", stdout)
	}
	code, stdout, stderr = runCLI(t, "report", out)
	if code != 0 || !strings.Contains(stdout, "Services (where the time goes)") || !strings.Contains(stdout, "split: ") {
		t.Errorf("report: exit %d, stdout lacks the services table and verdict:\n%s\n%s", code, stdout, stderr)
	}
}
