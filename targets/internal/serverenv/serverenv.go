// Package serverenv holds what the managed servers (targets/redis,
// targets/postgres) need around a start: a free port that is not the
// system server's, and the last lines of a log for an error message.
package serverenv

import (
	"fmt"
	"net"
	"strings"
)

// FreePort returns a TCP port on host that was free a moment ago, never
// avoid (the port a system server of the same kind may already use). It
// is used only when opts.Port is 0, so name (the server kind) prefixes
// its errors.
func FreePort(name, host string, avoid int) (int, error) {
	for range 5 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, fmt.Errorf("%s: find a free port: %w", name, err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if port != avoid {
			return port, nil
		}
	}
	return 0, fmt.Errorf("%s: find a free port: kept getting %d", name, avoid)
}

// LastLines returns the last n non-empty lines of s, joined by " | "
// ("(empty)" when there are none): a log's end on one error line.
func LastLines(s string, n int) string {
	var ls []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	if len(ls) == 0 {
		return "(empty)"
	}
	return strings.Join(ls, " | ")
}
