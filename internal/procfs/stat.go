// Package procfs is scalebench's one reader of /proc/PID/stat: the process
// and docker drivers, the managed servers (Redis, PostgreSQL), process
// groups and the reaper all read CPU time, memory, parent, group, state
// and start time from here.
//
// Why not github.com/prometheus/procfs: it would serve, but scalebench
// reads six fields of one file, several times a second, for many
// processes; the dependency brings parsing of all 52 fields and of every
// other /proc file, and allocates more per read. The format is stable and
// the parse below is the whole of what is needed (fields counted from the
// last ')', since the command name may hold spaces and parentheses).
package procfs

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// ClockTicks is USER_HZ, the unit of the CPU times and the start time in
// /proc/PID/stat: 100 on every Linux architecture Go supports.
const ClockTicks = 100

// Stat is the part of /proc/PID/stat scalebench uses.
type Stat struct {
	// State is field 3: R, S, D, Z (zombie), T (stopped)…
	State byte
	// PPID and PGRP are the parent and the process group (fields 4, 5).
	PPID, PGRP int
	// UTime, STime are the process's own user and system CPU time, and
	// CUTime, CSTime its reaped children's, in ClockTicks (fields 14–17).
	UTime, STime, CUTime, CSTime uint64
	// StartTime is when it started, in ClockTicks since boot (field 22):
	// a pid with the same start time is the same process.
	StartTime uint64
	// RSSPages is its resident set in pages (field 24).
	RSSPages uint64
}

// CPUSeconds is the process's own CPU time.
func (s Stat) CPUSeconds() float64 { return float64(s.UTime+s.STime) / ClockTicks }

// CPUSecondsWithChildren adds the CPU time of children it has reaped (a
// restarted worker's time is not lost when it dies).
func (s Stat) CPUSecondsWithChildren() float64 {
	return float64(s.UTime+s.STime+s.CUTime+s.CSTime) / ClockTicks
}

// RSSBytes is the resident set in bytes.
func (s Stat) RSSBytes() uint64 { return s.RSSPages * uint64(os.Getpagesize()) }

// Zombie says whether the process has exited and waits to be reaped.
func (s Stat) Zombie() bool { return s.State == 'Z' }

// Read reads /proc/PID/stat.
func Read(pid int) (Stat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Stat{}, err
	}
	return Parse(b)
}

// Parse parses the content of a /proc/PID/stat file.
func Parse(b []byte) (Stat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("parse /proc stat: no command name")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 22 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("parse /proc stat: %d fields", len(f)+2)
	}
	var bad error
	num := func(n int) uint64 {
		v, err := strconv.ParseUint(string(f[n-3]), 10, 64)
		if err != nil && bad == nil {
			bad = fmt.Errorf("parse /proc stat: field %d: %w", n, err)
		}
		return v
	}
	s := Stat{
		State: f[0][0], PPID: int(num(4)), PGRP: int(num(5)),
		UTime: num(14), STime: num(15), CUTime: num(16), CSTime: num(17),
		StartTime: num(22), RSSPages: num(24),
	}
	return s, bad
}

// StartTime is the start time of pid as text, or "" when it is not
// running (or a zombie): the identity the run record and the reaper keep.
func StartTime(pid int) string {
	s, err := Read(pid)
	if err != nil || s.Zombie() {
		return ""
	}
	return strconv.FormatUint(s.StartTime, 10)
}
