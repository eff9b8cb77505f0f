package secrets

import (
	"net/url"
	"sort"
	"strings"
)

// Redacted replaces a secret in every output.
const Redacted = "[redacted]"

// secretHeaders are always secret, whatever the scenario says.
var secretHeaders = []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}

// IsSecretHeader reports whether a header's value is secret: one of
// Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, or
// one the scenario names in secret_headers (extra), case-insensitively.
func IsSecretHeader(name string, extra []string) bool {
	n := strings.ToLower(name)
	if contains(secretHeaders, n) {
		return true
	}
	for _, e := range extra {
		if strings.ToLower(e) == n {
			return true
		}
	}
	return false
}

// secretParamWords mark a query parameter whose value is a credential.
var secretParamWords = []string{"token", "secret", "password", "passwd", "pwd", "key", "auth", "sig", "session", "jwt", "credential"}

// IsSecretParam reports whether a query parameter's name says its value is
// a credential (token, api_key, access_token, password, sig, …).
func IsSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Query returns a path and query with the value of every secret parameter
// (IsSecretParam) replaced by Redacted; ${env:…} values are kept, as they
// hold no secret.
func Query(pathAndQuery string) string {
	p, q, ok := strings.Cut(pathAndQuery, "?")
	if !ok {
		return pathAndQuery
	}
	parts := strings.Split(q, "&")
	for i, part := range parts {
		k, v, hasValue := strings.Cut(part, "=")
		if hasValue && v != "" && IsSecretParam(k) && !OnlyRefs(v) {
			parts[i] = k + "=" + Redacted
		}
	}
	return p + "?" + strings.Join(parts, "&")
}

// URL returns raw with its password and secret query parameters redacted
// ("http://user:[redacted]@host/?token=[redacted]"). Text that does not
// parse as a URL comes back with only its query redacted.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return Query(raw)
	}
	if pw, ok := u.User.Password(); ok && !OnlyRefs(pw) {
		// Rebuild by hand: url.URL.String would escape the brackets.
		prefix := u.Scheme + "://" + u.User.Username() + ":"
		if i := strings.Index(raw, "@"); i > 0 && strings.HasPrefix(raw, prefix) {
			return prefix + Redacted + Query(raw[i:])
		}
	}
	return Query(raw)
}

// minValue is the shortest value a Redactor replaces inside other text:
// replacing "1" or "on" everywhere would garble the results while hiding
// nothing. Shorter secrets are still redacted where they sit (a header, an
// env value, a URL password) by the scenario's own redaction.
const minValue = 4

// Redactor replaces known secret values in any text.
type Redactor struct {
	pairs [][2]string // old → new, longest old first
}

// Add makes r replace value with Redacted (values shorter than 4
// characters are ignored, see minValue).
func (r *Redactor) Add(value string) { r.Replace(value, Redacted) }

// Replace makes r replace old with new.
func (r *Redactor) Replace(old, new string) {
	if r == nil || len(old) < minValue || old == new {
		return
	}
	for _, p := range r.pairs {
		if p[0] == old {
			return
		}
	}
	r.pairs = append(r.pairs, [2]string{old, new})
	sort.SliceStable(r.pairs, func(i, j int) bool { return len(r.pairs[i][0]) > len(r.pairs[j][0]) })
}

// Empty reports whether r knows no secret.
func (r *Redactor) Empty() bool { return r == nil || len(r.pairs) == 0 }

// String returns s with every known secret replaced.
func (r *Redactor) String(s string) string {
	if r.Empty() {
		return s
	}
	for _, p := range r.pairs {
		if strings.Contains(s, p[0]) {
			s = strings.ReplaceAll(s, p[0], p[1])
		}
	}
	return s
}
