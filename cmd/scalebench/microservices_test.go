package main

import (
	"testing"
)

// TestMicroservicesSuite runs the built-in suite (--quick): every target
// has per-service figures at every step, every synchronous service
// handled exactly what its callers sent it, and each service ran with the
// replicas its target gave it (the monolith: as many instances as the
// split). The verdict and tables are tested on stored results in report.
func TestMicroservicesSuite(t *testing.T) {
	got := runSuite(t, "microservices")
	for _, name := range []string{"monolith", "split", "split-payments-x2"} {
		for _, s := range got[name].Steps {
			if len(s.Services) != 4 {
				t.Fatalf("%s at %g req/s: services %v, want core, auth, payments, notifications", name, s.OfferedRate, s.Services)
			}
			for svc, f := range s.Services {
				if f.Via != "queue" && f.Requests != f.Expected {
					t.Errorf("%s at %g req/s: %s handled %d of %d sent", name, s.OfferedRate, svc, f.Requests, f.Expected)
				}
				if f.Requests == 0 || f.CPUCores <= 0 {
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
}
