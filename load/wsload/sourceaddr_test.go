package wsload

import (
	"context"
	"net"
	"testing"
)

func TestSourceDialerBindsTheNextLoopbackAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	d := &sourceDialer{}
	for k, want := range []string{"127.0.0.1", "127.0.0.2", "127.0.1.0"} {
		d.next.Store([]int32{0, 1, 255}[k])
		c, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("dial from source %d: %v", k, err)
		}
		got := c.LocalAddr().(*net.TCPAddr).IP.String()
		_ = c.Close()
		if got != want {
			t.Errorf("source %d: local address %s, want %s", k, got, want)
		}
	}
	if !loopbackV4("127.0.0.1:80") || loopbackV4("[::1]:80") || loopbackV4("localhost:80") || loopbackV4("10.0.0.1:80") {
		t.Errorf("loopbackV4 is wrong for one of 127.0.0.1, ::1, localhost, 10.0.0.1")
	}
}
