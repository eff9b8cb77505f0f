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
	// The kernel closes a dying process's files before it is gone from
	// /proc: give it a moment. One that lives on closed the pipe without
	// removing its record: not ours to judge (Sweep will, once it dies).
	for deadline := time.Now().Add(5 * time.Second); alive(rec.Owner); {
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
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
