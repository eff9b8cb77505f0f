package reaper

import (
	"context"
	"errors"
	"os"
	"time"
)

// staleClaim is how old an unreadable record must be before Sweep removes
// it (a record is empty only between its claim and its first write).
const staleClaim = time.Minute

// Sweep cleans up after every run in the state folder whose scalebench
// process is gone (see cleanup): it returns what it found for each, then
// deletes their records. A run whose guard is still at work is given a
// few seconds to finish. Live runs are left alone. With opts.DryRun it
// only lists.
func Sweep(ctx context.Context, stateDir string, opts CleanOptions) ([]Cleaned, error) {
	if stateDir == "" {
		stateDir = StateDir()
	}
	paths, err := listRecords(stateDir)
	if err != nil {
		return nil, err
	}
	var out []Cleaned
	var errs []error
	for _, path := range paths {
		rec, err := readRecord(path)
		if err != nil {
			if st, serr := os.Stat(path); serr == nil && time.Since(st.ModTime()) > staleClaim && !opts.DryRun {
				_ = os.Remove(path)
			}
			continue
		}
		if alive(rec.Owner) {
			continue
		}
		rec = waitForGuard(ctx, path, rec)
		c := cleanup(ctx, rec, opts)
		if rec.Reaped != nil && !opts.DryRun {
			// The guard did the work: report what it stopped as well.
			c.Stopped = append(rec.Reaped.Stopped, c.Stopped...)
			c.Docker = append(rec.Reaped.Docker, c.Docker...)
			c.Abandoned = c.Abandoned || rec.Reaped.Abandoned
			c.Errors = append(rec.Reaped.Errors, c.Errors...)
		}
		c.ByGuard = rec.Reaped != nil
		out = append(out, c)
		if !opts.DryRun {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return out, errors.Join(errs...)
}

// waitForGuard gives a guard still cleaning up after its dead owner up to
// 5 s to note what it did, and returns the record as it then stands.
func waitForGuard(ctx context.Context, path string, rec *Record) *Record {
	deadline := time.Now().Add(5 * time.Second)
	for rec.Reaped == nil && alive(rec.Guard) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if r, err := readRecord(path); err == nil {
			rec = r
		}
	}
	return rec
}
