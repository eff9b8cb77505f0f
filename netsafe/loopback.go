package netsafe

import (
	"net"
	"strings"
)

// IsLoopback reports whether host (a URL's Hostname(), without port or
// brackets) names this machine's loopback interface: "localhost" in any
// case, with or without the root dot ("localhost."), or an IP in
// 127.0.0.0/8 or ::1. Other names (even *.localhost) are not trusted: what
// they resolve to is up to the resolver.
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
