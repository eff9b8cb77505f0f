package serverenv

import (
	"net"
	"strconv"
	"testing"
)

func TestLastLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\n\n b \nc\n", 2, "b | c"},
		{"a\nb", 5, "a | b"},
		{"\n  \n", 3, "(empty)"},
	} {
		if got := LastLines(c.in, c.n); got != c.want {
			t.Errorf("LastLines(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// The port is free (it can be listened on) and is not the avoided one.
func TestFreePort(t *testing.T) {
	p, err := FreePort("test", "127.0.0.1", 6379)
	if err != nil {
		t.Fatal(err)
	}
	if p == 6379 || p == 0 {
		t.Fatalf("FreePort = %d", p)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		t.Fatalf("port %d not free: %v", p, err)
	}
	l.Close()
}
