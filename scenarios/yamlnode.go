package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder walks a yaml.v3 node tree into the model, collecting every problem
// with its line instead of stopping at the first.
type decoder struct {
	file     string
	problems []Problem
}

// add records a problem at line for field.
func (d *decoder) add(line int, field, format string, args ...any) {
	if line < 1 {
		line = 1
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// field joins a mapping path and a key: "targets[1]" + "replicas".
func field(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index joins a list path and an index: "steps" + 2 → "steps[2]".
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an explicit null ("key:" with no value, "~",
// "null"), which counts as not set.
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// describe names what n is, for "must be X, got Y" messages.
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("string %q", n.Value)
	case "!!int", "!!float":
		return "number " + n.Value
	case "!!bool":
		return n.Value
	case "!!null":
		return "null"
	}
	return fmt.Sprintf("%s %q", n.Tag, n.Value)
}

// fieldFunc decodes the value of one field; path is the field's full path.
type fieldFunc func(value *yaml.Node, path string)

// fields is the table of known fields of a mapping.
type fields map[string]fieldFunc

// entry is one key/value pair of a mapping, merges expanded.
type entry struct{ key, value *yaml.Node }

// entries lists n's pairs with YAML merge keys ("<<: *base") expanded;
// explicit keys win over merged ones.
func entries(n *yaml.Node, depth int) []entry {
	var out, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" && depth < 8 {
			v = resolve(v)
			switch {
			case v == nil:
			case v.Kind == yaml.MappingNode:
				merged = append(merged, entries(v, depth+1)...)
			case v.Kind == yaml.SequenceNode:
				for _, m := range v.Content {
					if m = resolve(m); m != nil && m.Kind == yaml.MappingNode {
						merged = append(merged, entries(m, depth+1)...)
					}
				}
			}
			continue
		}
		out = append(out, entry{k, v})
	}
	seen := map[string]bool{}
	for _, e := range out {
		seen[e.key.Value] = true
	}
	for _, e := range merged {
		if !seen[e.key.Value] {
			seen[e.key.Value] = true
			out = append(out, e)
		}
	}
	return out
}

// mapping decodes n as a mapping whose keys must be in fs, calling each
// key's function with its value. Unknown keys (with a suggestion),
// duplicate keys and non-string keys are problems. It returns the key
// nodes present with a non-null value, by name, or nil when n is not a
// mapping.
func (d *decoder) mapping(n *yaml.Node, path string, fs fields) map[string]*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.add(line(n), path, "must be a mapping (key: value lines), got %s", describe(n))
		return nil
	}
	present := map[string]*yaml.Node{}
	seen := map[string]int{}
	for _, e := range entries(n, 0) {
		k := e.key
		if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.Tag != "!!merge") {
			d.add(k.Line, path, "field names must be strings, got %s", describe(k))
			continue
		}
		p := field(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.add(k.Line, p, "set twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		fn, ok := fs[k.Value]
		if !ok && path == "" && strings.HasPrefix(k.Value, "x-") {
			// Top-level "x-" fields are free, to hold YAML anchors
			// (as in Docker Compose).
			continue
		}
		if !ok {
			d.add(k.Line, p, "unknown field%s", suggest(k.Value, keys(fs)))
			continue
		}
		if isNull(e.value) {
			continue
		}
		present[k.Value] = k
		fn(e.value, p)
	}
	return present
}

// line is the line of n, or 1.
func line(n *yaml.Node) int {
	if n == nil || n.Line < 1 {
		return 1
	}
	return n.Line
}

func keys(fs fields) []string {
	out := make([]string, 0, len(fs))
	for k := range fs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scalar returns n resolved if it is a scalar of one of the tags, else
// records "must be <want>" and returns nil.
func (d *decoder) scalar(n *yaml.Node, path, want string, tags ...string) *yaml.Node {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode {
		for _, t := range tags {
			if r.Tag == t {
				return r
			}
		}
	}
	hint := ""
	if want == "a string" && r != nil && r.Kind == yaml.ScalarNode {
		hint = " (put it in quotes)"
	}
	d.add(line(n), path, "must be %s, got %s%s", want, describe(n), hint)
	return nil
}

// str decodes a string.
func (d *decoder) str(n *yaml.Node, path string, dst *string) bool {
	r := d.scalar(n, path, "a string", "!!str")
	if r == nil {
		return false
	}
	*dst = r.Value
	return true
}

// integer decodes a whole number.
func (d *decoder) integer(n *yaml.Node, path string, dst *int) bool {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && r.Tag == "!!float" {
		d.add(line(n), path, "must be a whole number, got %s", r.Value)
		return false
	}
	if r = d.scalar(n, path, "a whole number", "!!int"); r == nil {
		return false
	}
	var v int64
	if err := r.Decode(&v); err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		d.add(line(n), path, "must be a whole number of reasonable size, got %s", r.Value)
		return false
	}
	*dst = int(v)
	return true
}

// number decodes a finite number (integer or decimal).
func (d *decoder) number(n *yaml.Node, path string, dst *float64) bool {
	r := d.scalar(n, path, "a number", "!!int", "!!float")
	if r == nil {
		return false
	}
	var v float64
	if err := r.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		d.add(line(n), path, "must be a finite number, got %s", r.Value)
		return false
	}
	*dst = v
	return true
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) bool {
	r := d.scalar(n, path, "true or false", "!!bool")
	if r == nil {
		return false
	}
	var v bool
	if err := r.Decode(&v); err != nil {
		d.add(line(n), path, "must be true or false, got %s", r.Value)
		return false
	}
	*dst = v
	return true
}

// duration decodes a Go duration string ("5s", "1m30s", "250ms"); a bare 0
// is also accepted.
func (d *decoder) duration(n *yaml.Node, path string, dst *Duration) bool {
	r := resolve(n)
	if r != nil && r.Kind == yaml.ScalarNode && (r.Tag == "!!int" || r.Tag == "!!float") {
		if r.Value == "0" {
			*dst = 0
			return true
		}
		d.add(line(n), path, "must be a duration with a unit, like \"%ss\" or \"%sms\", got %s", r.Value, r.Value, r.Value)
		return false
	}
	if r = d.scalar(n, path, `a duration like "5s" or "250ms"`, "!!str"); r == nil {
		return false
	}
	v, err := time.ParseDuration(strings.TrimSpace(r.Value))
	switch {
	case err != nil && durationSyntax.MatchString(strings.TrimSpace(r.Value)):
		d.add(line(n), path, "%q is too long to hold (a duration is at most about 290 years); durations must be at most %v", r.Value, maxDuration)
		return false
	case err != nil:
		d.add(line(n), path, `must be a duration like "5s", "1m30s" or "250ms" (units ns, us, ms, s, m, h), got %q`, r.Value)
		return false
	case v > maxDuration:
		d.add(line(n), path, "must be at most %v, got %v (a longer run is surely a typo; split it into several runs)", maxDuration, v)
		return false
	}
	*dst = Duration(v)
	return true
}

// maxDuration bounds every duration of a scenario: nothing scalebench does
// (a step, a ramp, a timeout) needs longer, and a longer one is a typo.
const maxDuration = 24 * time.Hour

// durationSyntax matches what time.ParseDuration reads, so that a value it
// refuses only because it overflows gets its own message.
var durationSyntax = regexp.MustCompile(`^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// list calls fn for each item of the sequence n.
func (d *decoder) list(n *yaml.Node, path string, fn func(item *yaml.Node, path string)) bool {
	r := resolve(n)
	if r == nil || r.Kind != yaml.SequenceNode {
		d.add(line(n), path, "must be a list, got %s", describe(n))
		return false
	}
	for i, it := range r.Content {
		fn(it, index(path, i))
	}
	return true
}

// strMap decodes a mapping of names to scalar values; numbers and booleans
// are taken as written (PORT: 3000 is "3000"). It also returns each name's
// line.
func (d *decoder) strMap(n *yaml.Node, path string) (map[string]string, map[string]int) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.MappingNode {
		d.add(line(n), path, "must be a mapping of names to values, got %s", describe(n))
		return nil, nil
	}
	out := map[string]string{}
	lines := map[string]int{}
	for _, e := range entries(r, 0) {
		k := e.key
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
			d.add(k.Line, path, "names must be strings, got %s", describe(k))
			continue
		}
		p := field(path, k.Value)
		if first, dup := lines[k.Value]; dup {
			d.add(k.Line, p, "set twice (first on line %d)", first)
			continue
		}
		lines[k.Value] = k.Line
		v := resolve(e.value)
		if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			d.add(line(e.value), p, "must be a string, number or true/false, got %s", describe(e.value))
			continue
		}
		out[k.Value] = v.Value
	}
	return out, lines
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, or "".
func suggest(got string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		dist := levenshtein(strings.ToLower(got), strings.ToLower(c))
		if best == "" || dist < bestDist {
			best, bestDist = c, dist
		}
	}
	limit := 2
	if len(got) <= 4 {
		limit = 1
	}
	if best == "" || bestDist > limit {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// levenshtein is the edit distance between a and b, counting a swap of
// two neighbours ("nmae") as one edit.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// oneOf checks that v is one of allowed.
func (d *decoder) oneOf(n *yaml.Node, path, v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	d.add(line(n), path, "must be one of %s, got %q%s", strings.Join(allowed, ", "), v, suggest(v, allowed))
	return false
}
