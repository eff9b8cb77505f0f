package postgres

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sweepAge is how old a work folder must be before Sweep may remove it: a
// younger one may belong to a server another run is creating.
const sweepAge = 10 * time.Minute

var sweepOnce sync.Once

// Sweep removes work folders that a killed scalebench left in the
// temporary directory (kill -9 skips Stop; the server itself dies with
// it): folders older than 10 minutes whose postmaster is not running. It
// returns the folders removed. Start calls it once per process.
func Sweep() []string {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "scalebench-pg-*"))
	var removed []string
	for _, d := range dirs {
		st, err := os.Stat(d)
		if err != nil || !st.IsDir() || time.Since(st.ModTime()) < sweepAge || running(d) {
			continue
		}
		if os.RemoveAll(d) == nil {
			removed = append(removed, d)
		}
	}
	return removed
}

// running reports whether the postmaster of work folder dir is alive.
func running(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return false
	}
	return syscall.Kill(pid, 0) == nil || syscall.Kill(pid, 0) == syscall.EPERM
}
