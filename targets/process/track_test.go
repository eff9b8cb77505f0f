package process

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/pgroup"
)

// A server that leaves its process group (setsid) is still in the
// deployment's tracking cgroup: Down stops it too.
func TestDownStopsEscapedServer(t *testing.T) {
	d := newTestDriver(t)
	if d.cgroups().pidsParent == "" {
		t.Fatal("this test needs the cgroup v1 pids hierarchy and the permission to create groups in it (run as root on a cgroup v1 host)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dep := up(t, d, targets.Spec{Topology: "command", Health: "/healthz",
		Command: []string{"sh", "-c", `setsid "$0" serve --port $PORT & wait`, exe}})
	port := strings.TrimPrefix(dep.Endpoint(), "http://127.0.0.1:")
	procs, err := os.ReadFile(filepath.Join(dep.track, "cgroup.procs"))
	if err != nil || len(strings.Fields(string(procs))) < 2 {
		t.Fatalf("tracking cgroup %s holds %q (%v), want sh and the server", dep.track, procs, err)
	}
	if pids := string(procs); strings.Contains(" "+strings.Join(strings.Fields(pids), " ")+" ", " "+strconv.Itoa(os.Getpid())+" ") {
		t.Errorf("this process has a thread in the tracking cgroup (%s)", pids)
	}
	if err := dep.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(procs)) {
		pid, _ := strconv.Atoi(f)
		if pgroup.StartTime(pid) != "" { // zombies (orphans init has not reaped yet) count as gone
			t.Errorf("process %d still there after Down", pid)
		}
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 200*time.Millisecond); err == nil {
		c.Close()
		t.Errorf("port %s still listening after Down", port)
	}
	if _, err := os.Stat(dep.track); err == nil {
		t.Errorf("tracking cgroup %s not removed", dep.track)
	}
}
