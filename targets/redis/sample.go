package redis

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Usage is the server's cumulative resource use (same meaning as
// targets.Usage, so a driver can add it to the deployment's).
type Usage struct {
	// CPUSeconds is user+system CPU time since the server started.
	CPUSeconds float64
	// RSSBytes is resident memory now.
	RSSBytes uint64
}

// clockTicks is USER_HZ, 100 on every Linux that Go supports.
const clockTicks = 100

// Sample reads the server's CPU time and resident memory from /proc.
func (s *Server) Sample() (Usage, error) {
	return sampleProc(s.PID())
}

func sampleProc(pid int) (Usage, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Usage{}, fmt.Errorf("redis: sample: %w", err)
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15, rss (pages) 24.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return Usage{}, fmt.Errorf("redis: sample: malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 22 {
		return Usage{}, fmt.Errorf("redis: sample: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	rss, err3 := strconv.ParseUint(f[21], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Usage{}, fmt.Errorf("redis: sample: malformed /proc/%d/stat", pid)
	}
	return Usage{
		CPUSeconds: float64(utime+stime) / clockTicks,
		RSSBytes:   rss * uint64(os.Getpagesize()),
	}, nil
}
