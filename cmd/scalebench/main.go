// Command scalebench brings up reference architectures, drives HTTP load at
// each and compares them. See README.md and docs/.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/scalebench/scalebench/safetext"
)

// Exit codes (see docs/cli.md).
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	exitGate    = 3
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(exitCode(run(os.Args, os.Stdout, os.Stderr), os.Stderr))
}

// run is the whole program behind main, callable from tests.
func run(args []string, stdout, stderr io.Writer) error {
	app := newApp(stdout, stderr)
	return app.Run(interspersed(app, args))
}

// newApp is the command line: every command and flag, nothing run yet.
func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "scalebench",
		Usage:     "compare architectures under load and find their capacity",
		Version:   fullVersion(),
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are printed once, by exitCode; urfave must not exit.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		Commands: []*cli.Command{
			runCommand(),
			validateCommand(),
			targetsCommand(),
			reportCommand(),
			composeCommand(),
			cleanCommand(),
			compareCommand(),
			serveCommand(),
			workerCommand(),
			balanceCommand(),
			reapCommand(),
			relayCommand(),
			kubernetesCommand(),
			agentCommand(),
		},
	}
	for _, c := range app.Commands {
		if c.OnUsageError == nil {
			c.OnUsageError = app.OnUsageError
		}
	}
	return app
}

// usageError marks bad command-line usage (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code chosen by a command; a nil err prints nothing.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e exitError) Unwrap() error { return e.err }

// exitCode prints err (if any) and maps it to the process exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitRuntime
	var ee exitError
	var ue usageError
	switch {
	case errors.As(err, &ee):
		code = ee.code
		if ee.err == nil {
			return code
		}
	case errors.As(err, &ue):
		code = exitUsage
	}
	// Messages quote user input (names, paths, server output): neutralise
	// escape sequences and bidi controls, keep the line breaks.
	fmt.Fprintf(stderr, "scalebench: %s\n", safetext.Text(err.Error()))
	return code
}

func fullVersion() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
	}
	return v
}
