package wsload

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// clientLoop is the one goroutine of a connection: it dials, reads until
// the connection ends, and reconnects when asked to.
func (r *run) clientLoop(ctx context.Context, cl *client, intended int64, k int) {
	defer r.clientsActive.Done()
	s := r.steps[k]
	s.connectAttempts.Add(1)
	c, err := r.dial(ctx, cl)
	if err != nil {
		s.connectFailed(classifyDial(err))
		return
	}
	s.recordConnect(r.now() - intended)
	for {
		r.opened(cl, c)
		kind := r.read(cl, c)
		r.closed(cl)
		_ = c.CloseNow()
		if r.stopping.Load() || ctx.Err() != nil {
			return
		}
		r.disconnects.Add(1)
		r.steps[r.stepAt(r.now())].disconnected(kind)
		if !r.cfg.Reconnect {
			return
		}
		if c = r.reconnect(ctx, cl); c == nil {
			return
		}
	}
}

// reconnect retries with backoff (100 ms doubling to 1 s) until a dial
// succeeds or the run stops; nil when it stopped.
func (r *run) reconnect(ctx context.Context, cl *client) *websocket.Conn {
	backoff := 100 * time.Millisecond
	for {
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-r.stop:
			t.Stop()
			return nil
		case <-ctx.Done():
			t.Stop()
			return nil
		}
		s := r.steps[r.stepAt(r.now())]
		s.reconnectAttempts.Add(1)
		c, err := r.dial(ctx, cl)
		if err == nil {
			s.reconnects.Add(1)
			return c
		}
		s.reconnectFailures.Add(1)
		backoff = min(2*backoff, time.Second)
	}
}

func (r *run) dial(ctx context.Context, cl *client) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, r.cfg.ConnectTimeout)
	defer cancel()
	c, resp, err := websocket.Dial(dctx, cl.url, &websocket.DialOptions{
		HTTPClient:      r.http,
		HTTPHeader:      r.cfg.Header,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		if resp != nil && resp.StatusCode != 0 && resp.StatusCode != 101 {
			return nil, &statusError{code: resp.StatusCode, err: err}
		}
		return nil, err
	}
	c.SetReadLimit(int64(max(r.cfg.MessageSize, HeaderSize)) + 1<<16)
	return c, nil
}

type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// classifyDial names a connect failure: timeout, connection_refused,
// connection_reset, status_NNN, too_many_open_files (the generator's
// open-files limit; see fileLimit) or other.
func classifyDial(err error) string {
	var se *statusError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		return "status_" + strconv.Itoa(se.code)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too_many_open_files"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection_reset"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection_refused"
	}
	return "other"
}

// opened makes cl a member of its room from now on.
func (r *run) opened(cl *client, c *websocket.Conn) {
	rm := cl.room
	rm.mu.Lock()
	rm.epoch++
	rm.open++
	cl.openEpoch = rm.epoch
	cl.openedAt = r.now()
	cl.isOpen = true
	cl.everOpen = true
	rm.mu.Unlock()
	cl.conn.Store(c)
	n := r.open.Add(1)
	r.steps[r.stepAt(r.now())].noteOpen(int(n))
	if r.stopping.Load() { // the closer may have missed it
		_ = c.Close(websocket.StatusNormalClosure, "")
	}
}

// closed ends cl's membership: messages sent from now on are not expected
// at it.
func (r *run) closed(cl *client) {
	rm := cl.room
	rm.mu.Lock()
	rm.open--
	cl.isOpen = false
	rm.mu.Unlock()
	cl.conn.Store(nil)
	r.open.Add(-1)
}

// read accounts for every message until the connection ends and says how
// it ended: "server_close" or "read_error". Reads use no context: a
// cancelled one would drop the connection instead of closing it cleanly.
func (r *run) read(cl *client, c *websocket.Conn) string {
	var buf [HeaderSize]byte
	for {
		_, rd, err := c.Reader(context.Background())
		if err != nil {
			if websocket.CloseStatus(err) != -1 {
				return "server_close"
			}
			return "read_error"
		}
		n, err := io.ReadFull(rd, buf[:])
		if err == nil {
			_, err = io.Copy(io.Discard, rd)
		} else if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = nil // a short message: not ours, counted below
		}
		if err != nil {
			if websocket.CloseStatus(err) != -1 {
				return "server_close"
			}
			return "read_error"
		}
		r.receive(cl, buf[:n], r.now())
	}
}

// receive classifies one message read by cl at now.
func (r *run) receive(cl *client, b []byte, now int64) {
	r.received.Add(1)
	h, err := parseHeader(b)
	rooms := uint32(r.cfg.Rooms)
	if err != nil || int(h.step) >= len(r.steps) || int(h.sender) >= len(r.clients) || r.clients[h.sender].room != cl.room {
		r.steps[r.stepAt(now)].shard(cl.id).add(func(s *recvShard) { s.unexpected++ })
		return
	}
	verdict := cl.recv[h.sender/rooms].see(h.seq)
	expected := h.epoch >= cl.openEpoch && (h.sender != cl.id || r.cfg.IncludeSender)
	sh := r.steps[h.step].shard(cl.id)
	sh.mu.Lock()
	sh.received++
	switch {
	case verdict == seqDuplicate:
		sh.duplicates++
	case !expected:
		sh.unexpected++
	default:
		sh.delivered++
		if verdict == seqLate {
			sh.order++
		}
		sh.recordDelivery((now - h.intended) / 1000)
	}
	sh.mu.Unlock()
}
