package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/runner"
	"github.com/scalebench/scalebench/scenarios"
)

const repoRoot = "../.."

var fence = regexp.MustCompile("(?s)```[^\n]*\n(.*?)```")

// docCommands returns every `scalebench …` command line shown in a code
// block of the README and docs/*.md, as "file: line".
func docCommands(t *testing.T) map[string][]string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	files = append(files, filepath.Join(repoRoot, "README.md"))
	out := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllStringSubmatch(string(data), -1) {
			for _, line := range strings.Split(m[1], "\n") {
				line = strings.TrimPrefix(strings.TrimSpace(line), "$ ")
				if cmd, ok := strings.CutPrefix(line, "go run ./cmd/scalebench "); ok {
					line = "scalebench " + cmd
				}
				if !strings.HasPrefix(line, "scalebench ") {
					continue
				}
				if i := strings.Index(line, " #"); i > 0 {
					line = line[:i]
				}
				if i := strings.Index(line, "   "); i > 0 { // a synopsis: "scalebench run [SCENARIO…]   run scenarios"
					line = line[:i]
				}
				out[filepath.Base(f)] = append(out[filepath.Base(f)], strings.TrimSpace(line))
			}
		}
	}
	return out
}

// placeholder reports a synopsis word such as SCENARIO… or [TARGET…].
func placeholder(arg string) bool {
	return strings.ContainsAny(arg, "…[]") || (strings.ToUpper(arg) == arg && strings.ToLower(arg) != arg)
}

// TestDocsCommandsParse runs every command shown in the README and docs
// through the real argument parser: its flags must exist, and the suites,
// shipped files and targets it names must exist (issue 10, finding 17).
func TestDocsCommandsParse(t *testing.T) {
	cmds := docCommands(t)
	if len(cmds["README.md"]) < 5 || len(cmds["cli.md"]) < 5 {
		t.Fatalf("found too few commands (%v): is the extraction broken?", cmds)
	}
	for file, lines := range cmds {
		for _, line := range lines {
			if err := checkCommand(line); err != nil {
				t.Errorf("%s: `%s`: %v", file, line, err)
			}
		}
	}
}

// checkCommand parses line with the real app, every action replaced by a
// check of what it names.
func checkCommand(line string) error {
	var out, errOut bytes.Buffer
	app := newApp(&out, &errOut)
	var replace func(cmds []*cli.Command)
	replace = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.Action = func(c *cli.Context) error { return checkArgs(c) }
			replace(c.Subcommands)
		}
	}
	replace(app.Commands)
	args := strings.Fields(line)
	if err := app.Run(interspersed(app, args)); err != nil {
		return err
	}
	if strings.Contains(errOut.String(), "Incorrect Usage") || strings.Contains(errOut.String(), "flag provided but not defined") {
		return errors.New(errOut.String())
	}
	return nil
}

// checkArgs checks the arguments of one parsed command.
func checkArgs(c *cli.Context) error {
	var names []string
	for _, a := range c.Args().Slice() {
		if !placeholder(a) {
			names = append(names, a)
		}
	}
	switch c.Command.Name {
	case "run", "validate":
		if c.Command.Name == "run" && len(names) == 0 && c.NArg() == 0 {
			names = []string{"quickstart"}
		}
		for _, n := range names {
			if err := checkScenario(n, c.StringSlice("target")); err != nil {
				return err
			}
		}
	case "compose", "export":
		if len(names) > 0 {
			if err := checkScenario(c.String("scenario"), names); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkScenario loads a built-in suite or a shipped file (a path under
// examples/, fixtures/ or docs/ must exist; other paths are the reader's
// own) and checks that the targets exist.
func checkScenario(name string, targets []string) error {
	path := name
	if strings.HasSuffix(name, ".yaml") || strings.Contains(name, "/") {
		shipped := strings.HasPrefix(name, "examples/") || strings.HasPrefix(name, "fixtures/") || strings.HasPrefix(name, "docs/")
		path = filepath.Join(repoRoot, name)
		if _, err := os.Stat(path); err != nil {
			if shipped {
				return fmt.Errorf("%s is not shipped", name)
			}
			return nil
		}
	}
	sc, err := scenarios.Load(path)
	if err != nil {
		return err
	}
	return runner.CheckOnly(sc, targets)
}

// TestExamplesValidate: every example scenario passes validate, with what
// it needs shipped beside it.
func TestExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "examples", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no examples found")
	}
	for _, f := range files {
		code, stdout, stderr := runCLI(t, "validate", f)
		if code != 0 {
			t.Errorf("validate %s: exit %d\n%s%s", f, code, stdout, stderr)
		}
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), "server.js") {
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), "server.js")); err != nil {
				t.Errorf("%s names server.js, which is not shipped beside it", f)
			}
		}
	}
}

// The checker itself catches what it is for.
func TestCheckCommandCatches(t *testing.T) {
	for _, line := range []string{
		"scalebench run --no-such-flag",
		"scalebench run examples/my-service.yaml --target mine",
		"scalebench run nosuchsuite",
		"scalebench run examples/not-shipped.yaml",
		"scalebench compose nosuchtarget",
	} {
		if err := checkCommand(line); err == nil {
			t.Errorf("checkCommand(%q) = nil, want an error", line)
		}
	}
	if err := checkCommand("scalebench run my-own.yaml --gate --quick"); err != nil {
		t.Errorf("checkCommand(a user's file) = %v", err)
	}
}
