package scenarios

import (
	"os"
	"strings"

	"github.com/scalebench/scalebench/secrets"
)

// lookupEnv is where ${env:NAME} values come from (os.LookupEnv; tests may
// replace it).
var lookupEnv = os.LookupEnv

// envValue checks the ${env:NAME} references of s (a header value, body,
// path, URL or env value at line, field path) and returns s with them
// resolved, for the checks that need the real value. Each reference with
// an invalid name or a variable that is not set is a problem; ok is false
// then. The scenario itself keeps s unexpanded.
func (d *decoder) envValue(line int, path, s string) (string, bool) {
	if !secrets.HasRefs(s) {
		return s, true
	}
	ok := true
	for _, name := range secrets.Refs(s) {
		switch _, set := lookupEnv(name); {
		case !secrets.ValidName(name):
			d.add(line, path, "${env:%s}: not a valid environment variable name (letters, digits and _, not starting with a digit)", name)
			ok = false
		case !set:
			d.add(line, path, "${env:%s}: environment variable %s is not set (export it before validate and run)", name, name)
			ok = false
		}
	}
	if !ok {
		return s, false
	}
	v, _ := secrets.Expand(s, lookupEnv)
	return v, true
}

// hideExpansion puts the unexpanded form back into a message about the
// expanded value, so that a problem never quotes a secret.
func hideExpansion(msg, raw, expanded string) string {
	if raw == expanded {
		return msg
	}
	return strings.ReplaceAll(msg, expanded, raw)
}
