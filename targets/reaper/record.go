package reaper

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/scalebench/scalebench/results"
)

// EnvStateDir overrides where records are kept (tests use their own).
const EnvStateDir = "SCALEBENCH_STATE_DIR"

// Record is what one run started, as kept in StateDir/<run id>.json while
// the run lives. Its fields are the file's contract (docs/cli.md).
type Record struct {
	// RunID is the run's id (also the file's name).
	RunID string `json:"run_id"`
	// Dir is the run's results folder (absolute).
	Dir string `json:"dir,omitempty"`
	// Owner is the scalebench process running the run.
	Owner Proc `json:"owner"`
	// Guard is the `scalebench reap` process watching it (pid 0: none).
	Guard Proc `json:"guard,omitzero"`
	// Groups are the process groups started and not yet stopped.
	Groups []Group `json:"groups,omitempty"`
	// Cgroups are cgroup folders made for the run, deepest last.
	Cgroups []string `json:"cgroups,omitempty"`
	// Docker is set once the run uses the Docker engine: its containers
	// and networks carry the label scalebench.run=<run id>.
	Docker bool `json:"docker,omitempty"`
	// Containers and Networks are those created and not yet removed
	// (what cleaning removes is found by the label, these say what to
	// expect).
	Containers []Resource `json:"containers,omitempty"`
	Networks   []Resource `json:"networks,omitempty"`
	// Target and Topology name the target being measured, if any: an
	// abandoned run's results list it as interrupted.
	Target   string `json:"target,omitempty"`
	Topology string `json:"topology,omitempty"`
	// Reaped is what the guard stopped after the owner died.
	Reaped *Cleaned `json:"reaped,omitempty"`
}

// Proc identifies a process: pid and start time (a reused pid has another).
type Proc struct {
	PID   int    `json:"pid"`
	Start string `json:"start"`
}

// Resource is a Docker container or network.
type Resource struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Group is one started process group: its leader and what it serves.
type Group struct {
	Proc
	// Name is "<target>/<component>", e.g. "replicas/nginx".
	Name string `json:"name"`
	// Signal is the polite stop signal (15: SIGTERM, 3: SIGQUIT).
	Signal int `json:"signal"`
	// Port is the TCP port it listens on (0: unknown).
	Port int `json:"port,omitempty"`
}

// Cleaned is what was found and stopped for one dead run.
type Cleaned struct {
	// RunID and Dir name the run.
	RunID string `json:"run_id"`
	Dir   string `json:"dir,omitempty"`
	// OwnerPID was the scalebench process.
	OwnerPID int `json:"owner_pid"`
	// Stopped lists the processes stopped ("replicas/nginx pid 12 port 80").
	Stopped []string `json:"stopped,omitempty"`
	// Docker lists the containers and networks removed.
	Docker []string `json:"docker,omitempty"`
	// Abandoned is set when the run's results.json was marked abandoned.
	Abandoned bool `json:"abandoned,omitempty"`
	// At is when it was done.
	At time.Time `json:"at"`
	// Errors are what could not be cleaned.
	Errors []string `json:"errors,omitempty"`
	// ByGuard is set when the run's guard had already stopped what it
	// started (Stopped and Docker then include what the guard did).
	ByGuard bool `json:"by_guard,omitempty"`
}

// String says in one line what was cleaned.
func (c Cleaned) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s (scalebench pid %d is gone)", c.RunID, c.OwnerPID)
	switch {
	case len(c.Stopped) == 0 && len(c.Docker) == 0:
		b.WriteString(": nothing of it was still running")
	default:
		if len(c.Stopped) > 0 {
			verb := "stopped"
			if c.ByGuard {
				verb = "its guard stopped"
			}
			groups := "process groups"
			if len(c.Stopped) == 1 {
				groups = "process group"
			}
			fmt.Fprintf(&b, ": %s %d %s: %s", verb, len(c.Stopped), groups, strings.Join(c.Stopped, ", "))
		}
		if len(c.Docker) > 0 {
			fmt.Fprintf(&b, "; removed %s", strings.Join(c.Docker, ", "))
		}
	}
	if c.Abandoned {
		fmt.Fprintf(&b, "; %s marked abandoned", filepath.Join(c.Dir, results.FileName))
	}
	if len(c.Errors) > 0 {
		fmt.Fprintf(&b, "; could not clean: %s", strings.Join(c.Errors, "; "))
	}
	return b.String()
}

// StateDir is where records live: $SCALEBENCH_STATE_DIR, else
// $XDG_RUNTIME_DIR/scalebench, else /tmp/scalebench-<uid>.
func StateDir() string {
	if d := os.Getenv(EnvStateDir); d != "" {
		return d
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "scalebench")
	}
	return filepath.Join(os.TempDir(), "scalebench-"+strconv.Itoa(os.Getuid()))
}

// recordPath is the file of run id in dir.
func recordPath(dir, id string) string { return filepath.Join(dir, id+".json") }

// readRecord loads one record.
func readRecord(path string) (*Record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// writeRecord replaces path atomically.
func writeRecord(path string, r *Record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return results.WriteFileAtomic(path, append(b, '\n'))
}

// listRecords returns the record files in dir.
func listRecords(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state folder: %w", err)
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}
