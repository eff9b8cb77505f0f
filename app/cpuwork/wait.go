package cpuwork

import (
	"context"
	"time"
)

// Wait is the counterpart of Burn for work that uses no CPU (a call to a
// database, a slow dependency): it waits d, or until ctx ends and then
// returns ctx's error.
func Wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
