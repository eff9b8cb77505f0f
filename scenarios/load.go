package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// maxSize bounds a scenario file; anything larger is surely not one.
const maxSize = 1 << 20

// Builtins returns the names of the built-in suites, sorted.
func Builtins() []string {
	ents, _ := fs.ReadDir(builtinFS, "builtin")
	var out []string
	for _, e := range ents {
		if name, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// isBuiltin reports whether name reads as a built-in suite name (no
// extension, no folder) and one exists.
func isBuiltin(name string) bool {
	if strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
		return false
	}
	for _, b := range Builtins() {
		if b == name {
			return true
		}
	}
	return false
}

// Load reads a scenario from a file path, or a built-in suite by name
// ("quickstart": no folder, no .yaml, and one of Builtins). The scenario
// comes back with defaults applied and validated; an invalid one returns an
// *Error listing every problem, a missing one a *NotFoundError.
//
// A command target's dir is resolved against the scenario file's folder,
// which is also its default.
func Load(pathOrName string) (*Scenario, error) {
	if isBuiltin(pathOrName) {
		data, err := builtinFS.ReadFile(path.Join("builtin", pathOrName+".yaml"))
		if err != nil {
			return nil, fmt.Errorf("read built-in suite %q: %w", pathOrName, err)
		}
		return parse(pathOrName, data, "")
	}
	data, err := readLimited(pathOrName)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &NotFoundError{Name: pathOrName, Builtins: Builtins(), Err: err}
		}
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(pathOrName))
	if err != nil {
		dir = filepath.Dir(pathOrName)
	}
	return parse(pathOrName, data, dir)
}

// readLimited reads at most maxSize+1 bytes of the file at p, so that a huge
// file or a device (/dev/zero) is refused without being read whole; parse
// reports the size problem with the file's name.
func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("read scenario %s: is a folder, not a YAML file", p)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return data, nil
}

// Parse reads a scenario from data; source names it in messages (usually
// its path). Like Load, but command targets' dir is left as written.
func Parse(source string, data []byte) (*Scenario, error) {
	return parse(source, data, "")
}

// parse decodes, defaults and validates; dir, when set, is the folder
// command targets run in.
func parse(source string, data []byte, dir string) (s *Scenario, err error) {
	defer func() {
		// Belt and braces: no input may crash the caller. A panic here is
		// a bug in scalebench or yaml.v3, reported as a problem. FuzzParse
		// calls parseUnguarded so that such a panic fails the fuzz run.
		if r := recover(); r != nil {
			s, err = nil, &Error{Problems: []Problem{{File: source, Line: 1, Msg: fmt.Sprintf("cannot read this file (a bug in scalebench, please report it): %v", r)}}}
		}
	}()
	return parseUnguarded(source, data, dir)
}

// parseUnguarded is parse without the recover: a panic reaches the caller.
func parseUnguarded(source string, data []byte, dir string) (*Scenario, error) {
	d := &decoder{file: source}
	s := newScenario()
	s.Source, s.Raw = source, data
	root := d.document(data)
	if root != nil {
		d.scenario(root, s)
	}
	if s.Name == "" {
		s.Name = defaultName(source)
	}
	for i := range s.Targets {
		applyTargetDefaults(&s.Targets[i], s.Defaults)
		if t := &s.Targets[i]; dir != "" && t.Kind() == KindCommand {
			switch {
			case t.Dir == "":
				t.Dir = dir
			case !filepath.IsAbs(t.Dir):
				t.Dir = filepath.Join(dir, t.Dir)
			}
		}
	}
	d.crossCheck(s)
	if dir != "" {
		d.checkPrograms(s)
	}
	if len(d.problems) > 0 {
		sortProblems(d.problems)
		return nil, &Error{Problems: d.problems}
	}
	return s, nil
}

// document parses data as exactly one YAML document holding a mapping and
// returns that mapping, or nil after recording why not.
func (d *decoder) document(data []byte) *yaml.Node {
	if len(data) > maxSize {
		d.add(1, "", "file is larger than %d bytes (1 MiB); a scenario must be smaller — is this the right file?", maxSize)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(1, "", "file is empty; a scenario needs at least requests, load and targets (see docs/scenarios.md)")
		} else {
			d.yamlError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.add(docLine(&next, data), "", "holds more than one YAML document (---); put each scenario in its own file")
		return nil
	case !errors.Is(err, io.EOF):
		d.yamlError(err)
		return nil
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.add(1, "", "file is empty; a scenario needs at least requests, load and targets (see docs/scenarios.md)")
		return nil
	}
	root := resolve(doc.Content[0])
	if root == nil || root.Kind != yaml.MappingNode {
		d.add(line(doc.Content[0]), "", "a scenario must be a mapping of fields (name:, requests:, load:, targets:), got %s", describe(doc.Content[0]))
		return nil
	}
	return root
}

// docLine finds the line of the "---" that starts a second document.
func docLine(doc *yaml.Node, data []byte) int {
	lines := strings.Split(string(data), "\n")
	count := 0
	for i, l := range lines {
		if strings.HasPrefix(l, "---") {
			count++
			// The first "---" may open the first document.
			if count == 2 || (count == 1 && i > 0 && strings.TrimSpace(strings.Join(lines[:i], "")) != "" && !onlyComments(lines[:i])) {
				return i + 1
			}
		}
	}
	return line(doc)
}

func onlyComments(lines []string) bool {
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "%") {
			return false
		}
	}
	return true
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError records a YAML syntax error at the line yaml.v3 reports.
func (d *decoder) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		if parserError(m[2]) {
			// yaml.v3 reports a parser error at the 0-based line of the
			// construct it was in (scanner errors are 1-based): one early.
			n++
		}
		d.add(n, "", "invalid YAML: %s", m[2])
		return
	}
	d.add(1, "", "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// parserError reports whether a yaml.v3 message comes from its parser
// (as opposed to its scanner): those all read "did not find expected …".
func parserError(msg string) bool {
	return strings.HasPrefix(msg, "did not find expected")
}

// defaultName is a scenario's name when it gives none: its file name
// without folder and extension.
func defaultName(source string) string {
	base := filepath.Base(source)
	for _, ext := range []string{".yaml", ".yml"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." || base == "/" || base == "-" {
		return "scenario"
	}
	return base
}

// crossCheck checks what involves several sections: unique target names
// and targets the driver can run.
func (d *decoder) crossCheck(s *Scenario) {
	d.checkEngine(s)
	first := map[string]int{}
	for i, t := range s.Targets {
		p := index("targets", i)
		if l, dup := first[t.Name]; dup && t.Name != "" {
			d.add(t.Line, field(p, "name"), "duplicate target name %q (first on line %d); give each target a distinct name", t.Name, l)
			continue
		}
		first[t.Name] = t.Line
		switch kind := t.Kind(); {
		case kind == KindImage && s.Driver != "docker" && s.Driver != "swarm" && s.Driver != "kubernetes":
			d.add(t.Line, field(p, "image"), "an image target needs driver: docker, swarm or kubernetes (the %s driver runs local programs; use command)", s.Driver)
		case kind == KindCommand && (s.Driver == "docker" || s.Driver == "swarm" || s.Driver == "kubernetes"):
			d.add(t.Line, field(p, "command"), "a command target needs driver: process (the %s driver runs images; use image)", s.Driver)
		}
	}
}
