package scenarios

import (
	"strings"
	"testing"
)

func TestEnvRefsMissing(t *testing.T) {
	t.Setenv("SB_SET", "x")
	yaml := "requests:\n  - path: /x?k=${env:SB_SET}\n    headers: {Authorization: \"Bearer ${env:SB_MISSING_TOKEN}\"}\n    body: \"${env:1BAD}\"\nload: {rate: 1}\ntargets:\n  - {name: a, url: \"http://u:${env:SB_MISSING_PW}@127.0.0.1:1/\"}\n  - {name: b, topology: single, env: {K: \"${env:SB_MISSING_ENV}\"}}\n"
	_, err := Parse("e.yaml", []byte(yaml))
	if err == nil {
		t.Fatal("Parse accepted unset variables")
	}
	for _, want := range []string{
		"e.yaml:3: requests[0].headers.Authorization: ${env:SB_MISSING_TOKEN}: environment variable SB_MISSING_TOKEN is not set",
		"e.yaml:4: requests[0].body: ${env:1BAD}: not a valid environment variable name",
		"e.yaml:7: targets[0].url: ${env:SB_MISSING_PW}: environment variable SB_MISSING_PW is not set",
		"e.yaml:8: targets[1].env.K: ${env:SB_MISSING_ENV}: environment variable SB_MISSING_ENV is not set",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Parse error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "SB_SET") {
		t.Errorf("Parse error mentions a set variable:\n%v", err)
	}
}

func TestResolveAndRedact(t *testing.T) {
	t.Setenv("SB_TOKEN", "tok-123456")
	t.Setenv("SB_PW", "pw-abcdef")
	yaml := "# comment kept\nsecret_headers: [X-Custom]\nrequests:\n  - path: \"/x?token=lit-qqqq&a=1\"\n    headers:\n      Authorization: Bearer ${env:SB_TOKEN}\n      X-Custom: 'lit-cccc'\n      Accept: text/plain\nload: {rate: 1}\ntargets:\n  - {name: a, url: \"http://u:${env:SB_PW}@127.0.0.1:1/\"}\n  - name: b\n    topology: single\n    env:\n      K: lit-eeee # trailing comment\n"
	s, err := Parse("r.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	res, red, err := Resolve(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Requests[0].Headers["Authorization"]; got != "Bearer tok-123456" {
		t.Errorf("resolved Authorization = %q", got)
	}
	if got := res.Targets[0].URL; got != "http://u:pw-abcdef@127.0.0.1:1/" {
		t.Errorf("resolved URL = %q", got)
	}
	if s.Requests[0].Headers["Authorization"] != "Bearer ${env:SB_TOKEN}" || s.Targets[0].URL != "http://u:${env:SB_PW}@127.0.0.1:1/" {
		t.Errorf("Resolve changed the scenario itself")
	}
	got := s.RedactedYAML()
	for _, leak := range []string{"lit-qqqq", "lit-cccc", "lit-eeee"} {
		if strings.Contains(got, leak) {
			t.Errorf("RedactedYAML keeps %q:\n%s", leak, got)
		}
	}
	for _, keep := range []string{"# comment kept", "${env:SB_TOKEN}", "Accept: text/plain", "# trailing comment", `K: "[redacted]"`} {
		if !strings.Contains(got, keep) {
			t.Errorf("RedactedYAML lost %q:\n%s", keep, got)
		}
	}
	if msg := red.String("error: Bearer tok-123456 to http://u:pw-abcdef@h lit-cccc"); strings.Contains(msg, "tok-123456") || strings.Contains(msg, "pw-abcdef") || strings.Contains(msg, "lit-cccc") {
		t.Errorf("Redactor.String left a secret: %s", msg)
	}
	if _, err := Parse("r.yaml", []byte(got)); err != nil {
		t.Errorf("RedactedYAML is not a valid scenario: %v", err)
	}
}

func TestURLProblemHidesPassword(t *testing.T) {
	_, err := Parse("u.yaml", []byte("requests: [{path: /}]\nload: {rate: 1}\ntargets:\n  - {name: a, url: \"ftp://user:hunter2pw@127.0.0.1/\"}\n"))
	if err == nil || strings.Contains(err.Error(), "hunter2pw") || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("Parse error = %v; want the URL problem with the password redacted", err)
	}
}
