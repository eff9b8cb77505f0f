package redis

import (
	"fmt"

	"github.com/scalebench/scalebench/internal/procfs"
)

// Usage is the server's cumulative resource use (same meaning as
// targets.Usage, so a driver can add it to the deployment's).
type Usage struct {
	// CPUSeconds is user+system CPU time since the server started.
	CPUSeconds float64
	// RSSBytes is resident memory now.
	RSSBytes uint64
}

// Sample reads the server's CPU time and resident memory from /proc.
func (s *Server) Sample() (Usage, error) {
	return sampleProc(s.PID())
}

func sampleProc(pid int) (Usage, error) {
	st, err := procfs.Read(pid)
	if err != nil {
		return Usage{}, fmt.Errorf("redis: sample: %w", err)
	}
	return Usage{CPUSeconds: st.CPUSeconds(), RSSBytes: st.RSSBytes()}, nil
}
