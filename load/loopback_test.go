package load

import (
	"strings"
	"testing"

	"github.com/scalebench/scalebench/scenarios"
)

// TestValidateAndRunAgreeOnLoopback: every loopback spelling the scenario
// validator accepts, the generator accepts too (issue 10, finding 14).
func TestValidateAndRunAgreeOnLoopback(t *testing.T) {
	for _, u := range []string{"http://localhost./", "http://LOCALHOST/", "http://LocalHost.:8080/x", "http://127.0.0.2:9/", "http://[::1]:9/"} {
		yaml := "requests: [{path: /}]\nload: {rate: 10}\ntargets:\n  - {name: t, url: \"" + u + "\"}\n"
		if _, err := scenarios.Parse("x.yaml", []byte(yaml)); err != nil {
			t.Errorf("validate %s: %v", u, err)
		}
		if _, err := New(Config{BaseURL: u, Requests: []Request{{Path: "/"}}}); err != nil {
			t.Errorf("New(%s) = %v, want the same verdict as validate (ok)", u, err)
		}
	}
	yaml := "requests: [{path: /}]\nload: {rate: 10}\ntargets:\n  - {name: t, url: \"http://localhost.example.com/\"}\n"
	if _, err := scenarios.Parse("x.yaml", []byte(yaml)); err == nil || !strings.Contains(err.Error(), "allow_remote") {
		t.Errorf("validate remote: %v, want an allow_remote problem", err)
	}
}
