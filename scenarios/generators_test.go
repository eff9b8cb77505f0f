package scenarios

import (
	"strings"
	"testing"
)

func TestGenerators(t *testing.T) {
	base := "name: g\nrequests: [{path: /}]\nload: {rate: 10}\ntargets: [{name: a, topology: single}]\n"
	s, err := Parse("g.yaml", []byte(base+"generators: {count: 2}\n"))
	if err != nil || s.Generators == nil || s.Generators.Count != 2 {
		t.Fatalf("generators: %+v, %v", s.Generators, err)
	}
	for text, want := range map[string]string{
		base + "generators: {count: 0}\n":       "g.yaml:5: generators.count: must be between 1 and 64, got 0",
		base + "generators: {}\n":               "g.yaml:5: generators: count: required",
		base + "generators: {count: 2, x: 1}\n": "g.yaml:5: generators",
		"name: g\nflows: [{name: f, steps: [{path: /}]}]\nload: {rate: 10}\ntargets: [{name: a, topology: single}]\ngenerators: {count: 2}\n": "generators: cannot be combined with flows",
	} {
		_, err := Parse("g.yaml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
}
