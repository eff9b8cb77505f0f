package load

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// rawServer answers every request read from a connection with a canned
// response, allocating nothing per request (so an allocation test of the
// client is not disturbed by the server). Requests must be body-less and
// arrive one at a time per connection.
func rawServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + InstanceHeader + ": app-1\r\n\r\nok")
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if bytes.Contains(buf[:n], []byte("\r\n\r\n")) {
						if _, err := c.Write(resp); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestFastHitDoesNotAllocate: a fast-engine request, from pick to
// recorded outcome, must not allocate (the engine's whole point).
func TestFastHitDoesNotAllocate(t *testing.T) {
	g := newGen(t, Config{Engine: EngineFast, BaseURL: rawServer(t), MaxWorkers: 1})
	ph, err := checkPhase(Phase{Model: ModelOpen, Rate: 1000, Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := g.newPhaseRun(ph)
	r.start = time.Now()
	conns := newConnSet()
	defer conns.closeAll()
	a := &fastAttack{r: r, client: g.hostClient(conns, 1), conns: conns, timeout: g.cfg.Timeout}
	w := a.newWorker()
	var seq uint64
	w.hit(seq) // dials, and first sight of the instance
	allocs := testing.AllocsPerRun(1000, func() {
		seq++
		w.hit(seq)
	})
	if allocs != 0 {
		t.Errorf("hit allocates %v times per request, want 0", allocs)
	}
	if rec := r.recs[0]; rec.requests != 1002 || rec.errors != 0 || rec.instances["app-1"] != 1002 {
		t.Errorf("recorded %d requests, %d errors, instances %v; want 1002 (AllocsPerRun warms up once), 0, app-1: 1002", rec.requests, rec.errors, rec.instances)
	}
}
