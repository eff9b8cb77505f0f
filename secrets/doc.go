// Package secrets keeps credentials out of everything scalebench writes.
//
// A scenario takes a value from the environment with ${env:NAME} (in header
// values, bodies, paths and query strings, URLs and target env); the
// scenario and every output keep that unexpanded form, and only the load
// generator and the started servers see the value (Expand, at run time).
// Literal credentials are recognised by where they sit — the headers of
// IsSecretHeader, a URL's password (URL), a token-like query parameter
// (Query) — and a Redactor replaces every known secret value in any string
// of a results.Run before it is stored, rendered or printed (Scrub).
package secrets
