//go:build linux

package wsload

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app/ws"
)

// lowFilesEnv makes TestLowFileLimitWarns, run again in a child process,
// lower that process's open-files limits (hard included) to lowFiles.
const lowFilesEnv = "WSLOAD_LOW_FILES"

const lowFiles = 300

// TestLowFileLimitWarns: with a hard open-files limit below what the
// connections need and no way to raise it, the run goes on, the
// connections past the limit fail as too_many_open_files, and the step
// says why and how to spread the connections over processes. The limit is
// lowered in a child process (lowering a hard limit cannot be undone).
func TestLowFileLimitWarns(t *testing.T) {
	if os.Getenv(lowFilesEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLowFileLimitWarns$", "-test.v")
		cmd.Env = append(os.Environ(), lowFilesEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		t.Logf("child process:\n%s", out)
		return
	}
	lim := syscall.Rlimit{Cur: lowFiles, Max: lowFiles}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	in := startInstance(t, "a", ws.Local{})
	// 400 clients and their 400 server ends in one process of 300 files.
	cfg := Config{URL: in.URL, Rooms: 40, Connections: 400, ConnectRate: 800, Hold: 300 * time.Millisecond,
		ConnectTimeout: time.Second, Grace: 200 * time.Millisecond, CloseTimeout: time.Second}
	res := runLoad(t, cfg)
	st := res.Steps[0].ResultsStep(cfg.MessageRate)
	w := st.WebSocket
	t.Logf("open max %d, failures %d %v; warnings %q", w.ConnectionsOpenMax, w.ConnectFailures, w.ConnectFailuresByKind, st.Warnings)
	all := strings.Join(st.Warnings, "|")
	for _, want := range []string{"open-files limit 300 (hard) is below the 656 descriptors 400 connections need (one each, plus 256)", "CAP_SYS_RESOURCE", "several generator processes of at most 44 each"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q: want one containing %q", st.Warnings, want)
		}
	}
	if st.Valid {
		t.Error("step valid, want invalid (its connections did not all open)")
	}
	if w.ConnectFailuresByKind["too_many_open_files"] == 0 {
		t.Errorf("connect failures by kind %v, want some too_many_open_files", w.ConnectFailuresByKind)
	}
}
