package reaper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// Watch is the guard process (`scalebench reap RECORD`): it blocks until
// in — the pipe only the run holds open — reaches end of file, which
// happens when the run closes it or dies. A run that ended cleanly has
// removed its record first: Watch returns. Otherwise it stops everything
// the record holds, marks the run abandoned, notes what it did in the
// record (for the next run to report) and prints it to log.
func Watch(in io.Reader, path string, opts CleanOptions, log io.Writer) error {
	_, _ = io.Copy(io.Discard, in)
	rec, err := readRecord(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	if alive(rec.Owner) {
		return nil // it closed the pipe but lives on: not ours to judge
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := cleanup(ctx, rec, opts)
	rec.Reaped = &c
	rec.Groups, rec.Cgroups = nil, nil
	if err := writeRecord(path, rec); err != nil {
		return fmt.Errorf("guard: %w", err)
	}
	fmt.Fprintf(log, "scalebench guard: cleaned up after %s\n", c)
	return nil
}
