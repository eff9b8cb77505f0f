package load

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// errConnsClosed is returned by dial after the phase was cancelled.
var errConnsClosed = errors.New("load generator stopped")

// connSet tracks the connections of one attack so they can all be closed at
// once. vegeta's requests carry no context and Attacker.Stop does not abort
// requests in flight; closing their connections is what makes a cancelled
// phase end promptly instead of after the request timeout.
type connSet struct {
	dialer net.Dialer
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func newConnSet() *connSet {
	return &connSet{
		dialer: net.Dialer{KeepAlive: 30 * time.Second},
		conns:  make(map[*trackedConn]struct{}),
	}
}

// dial is the transport's DialContext.
func (s *connSet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := s.dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = c.Close()
		return nil, errConnsClosed
	}
	tc := &trackedConn{Conn: c, set: s}
	s.conns[tc] = struct{}{}
	return tc, nil
}

// closeAll closes every connection and refuses new ones.
func (s *connSet) closeAll() {
	s.mu.Lock()
	conns := s.conns
	s.conns = make(map[*trackedConn]struct{})
	s.closed = true
	s.mu.Unlock()
	for c := range conns {
		_ = c.Conn.Close()
	}
}

// trackedConn removes itself from its set when closed.
type trackedConn struct {
	net.Conn
	set *connSet
}

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.conns, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}
