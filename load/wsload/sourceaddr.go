package wsload

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"
)

// maxLoopbackSources bounds how many 127.0.0.0/8 source addresses one run
// spreads its connections over (each gives about 28,000 ports with Linux's
// default ip_local_port_range).
const maxLoopbackSources = 250

// sourceDialer dials TCP like a net.Dialer, and when a loopback IPv4
// destination runs the current source address out of ephemeral ports
// (see outOfPorts) it moves on to the next address of 127.0.0.0/8
// (127.0.0.2, 127.0.0.3, …) and tries again. Each source address has its
// own ports, so one client process can hold more connections to one server
// address than the port range allows — 50,000 needs two addresses.
// Linux answers on all of 127.0.0.0/8 without configuration.
type sourceDialer struct {
	timeout time.Duration
	next    atomic.Int32 // 0: the kernel's choice (127.0.0.1); k: 127.0.0.(k+1)
}

// DialContext is the transport's dial function.
func (d *sourceDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	for {
		k := d.next.Load()
		nd := net.Dialer{Timeout: d.timeout}
		if k > 0 {
			nd.LocalAddr = &net.TCPAddr{IP: loopbackSource(k).AsSlice()}
		}
		c, err := nd.DialContext(ctx, network, addr)
		if err == nil || !outOfPorts(err, k > 0) || !loopbackV4(addr) || k+1 >= maxLoopbackSources {
			return c, err
		}
		d.next.CompareAndSwap(k, k+1) // another dial may have moved on already
	}
}

// outOfPorts reports whether err says the source address has no ephemeral
// port left: connect(2) says EADDRNOTAVAIL, and bind(2) of an explicit
// address with port 0 (bound is true) says EADDRINUSE.
func outOfPorts(err error, bound bool) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || bound && errors.Is(err, syscall.EADDRINUSE)
}

// Sources is how many source addresses have been used so far.
func (d *sourceDialer) Sources() int { return int(d.next.Load()) + 1 }

// loopbackSource is 127.0.0.(k+1).
func loopbackSource(k int32) netip.Addr {
	return netip.AddrFrom4([4]byte{127, 0, byte((k + 1) >> 8), byte(k + 1)})
}

// loopbackV4 reports whether addr (host:port) is an IPv4 loopback address
// (a name is resolved by the dial itself; only literal addresses move).
func loopbackV4(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Is4() && ip.IsLoopback()
}
