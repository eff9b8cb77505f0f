package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestWorkSerialAndCoherency(t *testing.T) {
	t.Setenv(PeersEnv, "3")
	t.Setenv(SharedLockEnv, filepath.Join(t.TempDir(), "shared.lock"))
	h := Handler("instance-1", 0)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/work?cpu=0&serial=2ms&coherency=1ms", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got struct {
		SerialMs float64 `json:"serial_ms"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.SerialMs != 4 { // 2ms + 1ms × (3 − 1)
		t.Errorf("serial_ms = %v, want 4", got.SerialMs)
	}
	t.Setenv(SerialEnv, "1ms")
	rec = httptest.NewRecorder()
	Handler("instance-1", 0).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/work?cpu=0", nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.SerialMs != 1 {
		t.Errorf("with %s=1ms: serial_ms = %v (%v), want 1", SerialEnv, got.SerialMs, err)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/work?cpu=0&serial=5s", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("serial=5s: status %d, want 400", rec.Code)
	}
}

// TestSharedLockExcludesOtherHolders holds the lock file from outside (as
// another instance would) and checks the section waits for it.
func TestSharedLockExcludesOtherHolders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.lock")
	other, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := unix.Flock(int(other.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	c := &contention{path: path, peers: 1}
	done := make(chan error, 1)
	go func() {
		_, err := c.hold(context.Background(), time.Millisecond, 0)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("hold returned (%v) while another holder had the lock", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := unix.Flock(int(other.Fd()), unix.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("hold after unlock: %v", err)
	}
}
