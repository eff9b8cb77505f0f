package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/scalebench/scalebench/app/cpuwork"
)

// Work types.
const (
	WorkCPU = "cpu"
	WorkIO  = "io"
)

// MaxDuration bounds the work one job may ask for.
const MaxDuration = 10 * time.Second

// do performs one job's work: CPU burns d of thread CPU time, IO waits d.
func do(ctx context.Context, work string, d time.Duration) error {
	if work == WorkIO {
		if err := cpuwork.Wait(ctx, d); err != nil {
			return fmt.Errorf("work cancelled: %w", err)
		}
		return nil
	}
	_, err := cpuwork.Burn(ctx, d)
	return err
}
