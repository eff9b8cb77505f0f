package secrets

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExpand(t *testing.T) {
	env := map[string]string{"TOKEN": "s3cr3t-value", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	got, missing := Expand("Bearer ${env:TOKEN} ${env:EMPTY}|${env:NOPE}${env:NOPE}", lookup)
	if got != "Bearer s3cr3t-value |${env:NOPE}${env:NOPE}" || !cmp.Equal(missing, []string{"NOPE"}) {
		t.Errorf("Expand = %q, %v", got, missing)
	}
	if diff := cmp.Diff([]string{"A", "b c"}, Refs("x${env:A}y${env:b c}")); diff != "" {
		t.Errorf("Refs (-want +got):\n%s", diff)
	}
}

func TestURLAndQuery(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:pw@127.0.0.1:8080/x?a=1":           "http://user:[redacted]@127.0.0.1:8080/x?a=1",
		"http://user:${env:PW}@127.0.0.1/":              "http://user:${env:PW}@127.0.0.1/",
		"http://127.0.0.1/?token=abc&page=2&api_key=zz": "http://127.0.0.1/?token=[redacted]&page=2&api_key=[redacted]",
		"/search?q=x&access_token=${env:T}":             "/search?q=x&access_token=${env:T}",
		"/plain":                                        "/plain",
		"http://user@127.0.0.1/":                        "http://user@127.0.0.1/",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsSecretHeader(t *testing.T) {
	for name, want := range map[string]bool{"Authorization": true, "cookie": true, "Set-Cookie": true, "X-API-KEY": true,
		"Proxy-Authorization": true, "X-Tenant": true, "Accept": false} {
		if got := IsSecretHeader(name, []string{"x-tenant"}); got != want {
			t.Errorf("IsSecretHeader(%q) = %v, want %v", name, got, want)
		}
	}
}

type inner struct {
	Text string
	Any  any
}

type outer struct {
	Name  string
	Ptr   *inner
	List  []string
	Map   map[string]string
	Items []inner
	Deep  map[string][]inner
}

func TestScrub(t *testing.T) {
	var r Redactor
	r.Add("hunter22")
	r.Add("ab") // too short: ignored
	v := &outer{
		Name: "x hunter22 y", Ptr: &inner{Text: "hunter22", Any: "in hunter22"},
		List: []string{"hunter22"}, Map: map[string]string{"k-hunter22": "v hunter22", "ab": "ab"},
		Items: []inner{{Text: "a hunter22"}}, Deep: map[string][]inner{"d": {{Text: "hunter22!"}}},
	}
	r.Scrub(v)
	want := &outer{
		Name: "x [redacted] y", Ptr: &inner{Text: "[redacted]", Any: "in [redacted]"},
		List: []string{"[redacted]"}, Map: map[string]string{"k-[redacted]": "v [redacted]", "ab": "ab"},
		Items: []inner{{Text: "a [redacted]"}}, Deep: map[string][]inner{"d": {{Text: "[redacted]!"}}},
	}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("Scrub (-want +got):\n%s", diff)
	}
}
