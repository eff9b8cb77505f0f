package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/scalebench/scalebench/scenarios"
)

const nightlyWorkflow = "../../examples/ci/github-actions-nightly.yml"

// The nightly CI example is valid YAML with jobs and steps, every
// `scalebench` command in it parses with the real command line's flags,
// and the scenarios it runs validate.
func TestNightlyWorkflowExample(t *testing.T) {
	data, err := os.ReadFile(nightlyWorkflow)
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			RunsOn string `yaml:"runs-on"`
			Steps  []struct {
				Name string `yaml:"name"`
				Uses string `yaml:"uses"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", nightlyWorkflow, err)
	}
	if _, ok := wf.On["schedule"]; !ok || len(wf.Jobs) == 0 {
		t.Fatalf("%s: want a schedule trigger and a job, got on %v, %d jobs", nightlyWorkflow, wf.On, len(wf.Jobs))
	}
	var commands [][]string
	for name, job := range wf.Jobs {
		if job.RunsOn == "" {
			t.Errorf("job %s: no runs-on", name)
		}
		for _, st := range job.Steps {
			commands = append(commands, scalebenchCommands(st.Run)...)
		}
	}
	var sawBaseline bool
	for _, args := range commands {
		if err := parseCommand(args); err != nil {
			t.Errorf("%s: `%s`: %v", nightlyWorkflow, strings.Join(args, " "), err)
		}
		joined := strings.Join(args, " ")
		sawBaseline = sawBaseline || (strings.Contains(joined, "--baseline") && strings.Contains(joined, "--gate"))
		for _, a := range args[2:] {
			if strings.HasSuffix(a, ".yaml") {
				if _, err := scenarios.Load("../../" + a); err != nil {
					t.Errorf("scenario %s: %v", a, err)
				}
			}
		}
	}
	if len(commands) < 2 || !sawBaseline {
		t.Errorf("found %d scalebench commands (%v); want a run with --baseline and --gate and one without", len(commands), commands)
	}
}

// scalebenchCommands returns the scalebench command lines of a shell
// script, split into words (quotes removed; no expansion is needed here).
func scalebenchCommands(script string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.ReplaceAll(script, "\\\n", " "), "\n") {
		words := strings.Fields(strings.NewReplacer(`"`, "", `'`, "").Replace(line))
		if len(words) > 0 && words[0] == "scalebench" {
			out = append(out, words)
		}
	}
	return out
}

// parseCommand parses args as the real command line would, without
// running anything: the command must exist and every flag must exist
// and take its value.
func parseCommand(args []string) error {
	app := newApp(io.Discard, io.Discard)
	args = interspersed(app, args)
	cmd := findCommand(app, args[1])
	if cmd == nil {
		return errUnknownCommand(args[1])
	}
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range cmd.Flags {
		if err := f.Apply(fs); err != nil {
			return err
		}
	}
	return fs.Parse(args[2:])
}

type errUnknownCommand string

func (e errUnknownCommand) Error() string { return "unknown command " + string(e) }

func TestParseCommandRejects(t *testing.T) {
	for _, args := range [][]string{
		{"scalebench", "run", "x.yaml", "--no-such-flag"},
		{"scalebench", "run", "x.yaml", "--trials", "many"},
		{"scalebench", "nope"},
	} {
		if err := parseCommand(args); err == nil {
			t.Errorf("parseCommand(%v) = nil, want an error", args)
		}
	}
}
