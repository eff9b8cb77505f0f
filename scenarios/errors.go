package scenarios

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a scenario file.
type Problem struct {
	// File is the scenario's path (or built-in name) as given.
	File string
	// Line is the 1-based line of the offending node; for a missing field,
	// the line of the mapping that should hold it.
	Line int
	// Field is the path of the field, e.g. "targets[2].replicas"; empty for
	// problems with the document as a whole.
	Field string
	// Msg says what is wrong, and what would be right.
	Msg string
}

// String formats p as "file:line: field: problem".
func (p Problem) String() string {
	if p.Field == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Field, p.Msg)
}

// Error is an invalid scenario: every problem found, in line order.
type Error struct {
	Problems []Problem
}

// Error returns every problem, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by line, keeping the order they were found
// in within a line.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}

// NotFoundError is returned by Load for a name that is neither a readable
// file nor a built-in suite.
type NotFoundError struct {
	// Name is what Load was given.
	Name string
	// Builtins are the built-in suite names.
	Builtins []string
	// Err is the error from opening the file, if Name looked like a path.
	Err error
}

// Error says what was not found and which built-in suites exist.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("scenario %q: no such file and no such built-in suite (built-in suites: %s)",
		e.Name, strings.Join(e.Builtins, ", "))
}

// Unwrap returns the file error, so errors.Is(err, fs.ErrNotExist) holds.
func (e *NotFoundError) Unwrap() error { return e.Err }
