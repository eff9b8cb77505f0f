package load

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		code uint16
		err  string
		want string
	}{
		{200, "", ""},
		{204, "", ""},
		{302, "", ""},
		{404, "404 Not Found", "status_404"},
		{503, "503 Service Unavailable", "status_503"},
		{101, "101 Switching Protocols", "status_101"},
		{0, `Get "http://127.0.0.1:1/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, "timeout"},
		{0, "dial tcp 127.0.0.1:1: i/o timeout", "timeout"},
		{0, "dial tcp 127.0.0.1:1: connect: connection refused", "connection_refused"},
		{0, "read tcp 127.0.0.1:5->127.0.0.1:6: read: connection reset by peer", "connection_reset"},
		{0, "write tcp: broken pipe", "connection_reset"},
		{0, `Get "http://127.0.0.1:1/": EOF`, "connection_reset"},
		{0, "something else", "other"},
	}
	for _, tt := range tests {
		if got := classify(tt.code, tt.err); got != tt.want {
			t.Errorf("classify(%d, %q) = %q, want %q", tt.code, tt.err, got, tt.want)
		}
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = classify(503, "503 Service Unavailable") }); n != 0 {
		t.Errorf("classify allocates %v times per call, want 0", n)
	}
}
