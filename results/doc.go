// Package results defines results.json, the stored outcome of a run, and
// reads and writes it atomically.
//
// It sits between the runner, which fills a Run target by target and writes
// it after each one completes, and the report package, which renders a Run
// (or several) without access to anything else. The JSON layout is a
// contract documented field by field in docs/results.md: fields are added,
// never renamed, and SchemaVersion changes its major number only when a
// reader of the old version could misread the new one.
package results
