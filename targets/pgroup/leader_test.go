package pgroup

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startLeader(t *testing.T) *Leader {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return Watch(cmd, "sleeper")
}

// Kill is a crash, which Err reports; Stop afterwards still succeeds once.
func TestLeaderKillIsUnexpected(t *testing.T) {
	l := startLeader(t)
	l.Kill()
	if err := l.Err(); err == nil || !strings.Contains(err.Error(), "sleeper") || !strings.Contains(err.Error(), "unexpectedly") {
		t.Errorf("Err after Kill = %v, want an unexpected exit of sleeper", err)
	}
	if !l.Stop(context.Background(), syscall.SIGTERM, time.Second) {
		t.Error("first Stop after Kill reported it had been stopped before")
	}
	if l.Stop(context.Background(), syscall.SIGTERM, time.Second) {
		t.Error("second Stop did not report it had been stopped before")
	}
}

// Stop and Abort are expected exits: Err stays nil and Done is closed.
func TestLeaderStopAndAbortAreExpected(t *testing.T) {
	for name, end := range map[string]func(*Leader){
		"Stop":  func(l *Leader) { l.Stop(context.Background(), syscall.SIGTERM, time.Second) },
		"Abort": (*Leader).Abort,
	} {
		l := startLeader(t)
		end(l)
		select {
		case <-l.Done():
		default:
			t.Errorf("%s: Done not closed", name)
		}
		if err := l.Err(); err != nil {
			t.Errorf("%s: Err = %v, want nil", name, err)
		}
	}
}
