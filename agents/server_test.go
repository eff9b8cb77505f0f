package agents

import (
	"context"
	"net"
	"testing"
	"time"
)

// An agent answers clock exchanges with its token only, and with IdleExit
// stops serving once nobody has asked anything for that long.
func TestServerTokenAndIdleExit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- (&Server{Token: "secret", IdleExit: 300 * time.Millisecond}).Serve(context.Background(), ln)
	}()
	url := "http://" + ln.Addr().String()
	ctx := context.Background()
	if _, err := (&Client{URL: url, Token: "wrong"}).Clock(ctx); err == nil {
		t.Error("clock answered without the token")
	}
	c, err := (&Client{URL: url, Token: "secret"}).Clock(ctx)
	if err != nil || c.RoundTrip <= 0 || c.Offset > time.Second || c.Offset < -time.Second {
		t.Fatalf("clock %+v, %v", c, err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("agent still serving 5 s after its idle limit")
	}
}
