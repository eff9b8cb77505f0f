package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/secrets"
)

// scrubRun returns the run's secret scrubber for runner.Options.Scrub:
// every secret the scenario holds is replaced in every string of the run,
// and URLs (a target's endpoint) lose their password and token-like query
// values whatever they are.
func scrubRun(red *secrets.Redactor) func(*results.Run) {
	return func(run *results.Run) {
		red.Scrub(run)
		for i := range run.Targets {
			d := &run.Targets[i].Deployment
			d.Endpoint = secrets.URL(d.Endpoint)
		}
	}
}

// scrubLogs replaces every known secret in the run folder's log files
// (what the servers printed: a request line with its query string, an
// environment dump), rewriting a file only when it held one. It returns the
// first error; results.json is scrubbed by the runner itself.
func scrubLogs(dir string, red *secrets.Redactor) error {
	if red.Empty() {
		return nil
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".log") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		clean := red.String(string(data))
		if clean == string(data) {
			return nil
		}
		tmp := p + ".redacting"
		if err := os.WriteFile(tmp, []byte(clean), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, p)
	})
}

// scrubLogsOrWarn is scrubLogs, its failure a message on stderr.
func scrubLogsOrWarn(dir string, red *secrets.Redactor, stderr io.Writer) {
	if err := scrubLogs(dir, red); err != nil {
		fmt.Fprintf(stderr, "scalebench: redact secrets in logs: %v\n", err)
	}
}
