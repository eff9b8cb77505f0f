// Package scenarios reads scenario files: the YAML that says which requests
// to send, in which load shape, at which targets, and what counts as
// success.
//
// It is the first stage of the flow:
//
//	scenario YAML ──scenarios.Load──▶ Scenario ──plan──▶ runner ──▶ results ──▶ report
//
// Loading is strict. The file is parsed into yaml.v3 nodes and walked by
// hand, so that every problem — unknown fields (with a "did you mean"),
// wrong types, impossible values, conflicting settings — is collected with
// the line of the offending node and reported at once as an *Error whose
// text is one "file:line: field: problem" per line. No input makes it
// panic (see FuzzParse).
//
// Built-in suites live in builtin/*.yaml, embedded in the binary, and are
// loaded by name (scenarios.Load("quickstart")). Every field is documented
// in docs/scenarios.md and described by the JSON Schema in
// docs/scenario.schema.json, which editors use to complete and check YAML.
//
// Adding a section or field: add the field to the model (scenario.go), a
// line to the field table of its section (sections.go or target.go;
// yamlnode.go holds the YAML node helpers), a default in defaults.go if it
// has one, and the same field to the docs and
// the schema; the tests check that shipped scenarios match the schema and
// that the schema's topology list matches targets.Catalog.
package scenarios
