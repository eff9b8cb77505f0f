package pgroup

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// A group whose leader ignores the polite signal and has a child is gone,
// child included, after Stop.
func TestStopKillsTheWholeGroup(t *testing.T) {
	cmd := exec.Command("sh", "-c", `trap "" TERM; sleep 60 & wait`)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	time.Sleep(100 * time.Millisecond) // let the shell fork sleep
	pgid := cmd.Process.Pid
	start := time.Now()
	Stop(context.Background(), pgid, syscall.SIGTERM, 300*time.Millisecond, done)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Stop took %v, want about the 300 ms grace", took)
	}
	if live := liveMembers(pgid); len(live) > 0 {
		t.Errorf("process group %d still has live members after Stop: %v", pgid, live)
	}
}
