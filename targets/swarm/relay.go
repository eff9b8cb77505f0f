package swarm

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Relay accepts TCP connections on listen and copies each, both ways, to a
// fresh connection to to (host:port, resolved for every connection). It is
// the swarm driver's published entry: a standalone container on the
// target's overlay network whose port is published on 127.0.0.1 only, so
// the load generator on the host reaches the balancer service without the
// routing mesh (which does not answer on kernels without IPVS) and without
// binding a port on every interface. It returns when ctx ends, after every
// relayed connection has closed.
func Relay(ctx context.Context, listen, to string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			relayOne(ctx, c, to)
		}()
	}
}

// relayOne copies one client connection to a new upstream connection
// until either side closes or ctx ends.
func relayOne(ctx context.Context, c net.Conn, to string) {
	defer c.Close()
	d := net.Dialer{Timeout: 5 * time.Second}
	u, err := d.DialContext(ctx, "tcp", to)
	if err != nil {
		return
	}
	defer u.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close(); _ = u.Close() })
	defer stop()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(u, c)
	go pipe(c, u)
	<-done
	<-done
}
