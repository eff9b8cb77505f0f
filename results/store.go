package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the name of the results file inside a run folder.
const FileName = "results.json"

// Write stores run as dir/results.json atomically: it writes a temporary
// file in the same folder, syncs it and renames it over the old one, so a
// reader (or a crash) never sees a half-written file.
func Write(dir string, run *Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create results folder: %w", err)
	}
	data, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, FileName), append(data, '\n'))
}

// WriteFileAtomic writes data to path through a synced temporary file and a
// rename in the same folder.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Read loads a run from a results.json file or from a run folder holding one.
func Read(path string) (*Run, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, FileName)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var run Run
	if err := json.Unmarshal(data, &run); err != nil {
		return nil, fmt.Errorf("%s: not a scalebench results file: %w", path, err)
	}
	if run.SchemaVersion == "" {
		return nil, fmt.Errorf("%s: not a scalebench results file: no schema_version", path)
	}
	if major, _, _ := strings.Cut(run.SchemaVersion, "."); major != "1" {
		return nil, fmt.Errorf("%s: %w: schema_version %q (this build reads 1.x)", path, ErrUnknownSchema, run.SchemaVersion)
	}
	upgrade(&run)
	return &run, nil
}

// upgrade brings a file of an older 1.x schema to this one, so reports of
// old runs render: 1.0 kept the cache figures in steps[].extra.
func upgrade(run *Run) {
	for ti := range run.Targets {
		for si := range run.Targets[ti].Steps {
			upgradeCache(&run.Targets[ti].Steps[si])
		}
	}
}

// ErrUnknownSchema reports a results file written by an incompatible version.
var ErrUnknownSchema = errors.New("unsupported results schema")
