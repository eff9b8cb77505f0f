package secrets

import (
	"regexp"
	"strings"
)

// ref matches ${env:NAME}; the name is checked by ValidName.
var ref = regexp.MustCompile(`\$\{env:([^}]*)\}`)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Refs returns the names s takes from the environment, in order.
func Refs(s string) []string {
	var out []string
	for _, m := range ref.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// ValidName reports whether name is a valid environment variable name for
// ${env:NAME} (letters, digits and _, not starting with a digit).
func ValidName(name string) bool { return envName.MatchString(name) }

// HasRefs reports whether s takes anything from the environment.
func HasRefs(s string) bool { return strings.Contains(s, "${env:") }

// Expand replaces each ${env:NAME} in s with lookup(NAME) and returns the
// names lookup did not find (each once, in order).
func Expand(s string, lookup func(string) (string, bool)) (string, []string) {
	if !HasRefs(s) {
		return s, nil
	}
	var missing []string
	out := ref.ReplaceAllStringFunc(s, func(m string) string {
		name := ref.FindStringSubmatch(m)[1]
		v, ok := lookup(name)
		if !ok {
			if !contains(missing, name) {
				missing = append(missing, name)
			}
			return m
		}
		return v
	})
	return out, missing
}

// OnlyRefs reports whether s holds nothing secret besides its ${env:…}
// references: at most an authentication scheme word ("Bearer ${env:T}").
func OnlyRefs(s string) bool {
	rest := strings.TrimSpace(ref.ReplaceAllString(s, ""))
	switch strings.ToLower(rest) {
	case "", "bearer", "basic", "token", "digest", "apikey":
		return HasRefs(s) || rest == ""
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
