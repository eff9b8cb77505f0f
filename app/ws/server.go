package ws

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// InstanceHeader names the instance on every upgrade response (the same
// header the rest of the reference app sets).
const InstanceHeader = "X-Scalebench-Instance"

// MessageType is a WebSocket data message type (text or binary).
type MessageType = websocket.MessageType

// Defaults for Options.
const (
	DefaultSendQueue      = 256
	DefaultMaxMessageSize = 64 << 10
	maxRoomName           = 256
)

// Options configure a Server.
type Options struct {
	// Instance names this instance in the X-Scalebench-Instance header and
	// in Stats.
	Instance string
	// Adapter carries messages to the other instances (default Local).
	Adapter Adapter
	// SendQueue is how many messages may wait for one slow client before
	// further ones are dropped for it (default DefaultSendQueue).
	SendQueue int
	// MaxMessageSize is the largest message accepted, in bytes; a larger
	// one closes the sender's connection (default DefaultMaxMessageSize).
	MaxMessageSize int64
	// OriginPatterns are passed to websocket.AcceptOptions (browsers only).
	OriginPatterns []string
}

// Server is the /ws endpoint: an http.Handler upgrading to WebSocket. Start
// it with New and stop it with Close.
type Server struct {
	opts   Options
	ctx    context.Context // ends on Close; every connection uses it
	cancel context.CancelFunc

	mu      sync.RWMutex
	rooms   map[string]map[*client]struct{}
	clients map[*client]struct{}

	handlers sync.WaitGroup // ServeHTTP calls in progress
	listen   sync.WaitGroup // the adapter's Listen loop
	stats    counters
}

// New returns a Server and starts listening to its adapter. Close it.
func New(opts Options) *Server {
	if opts.Adapter == nil {
		opts.Adapter = Local{}
	}
	if opts.SendQueue <= 0 {
		opts.SendQueue = DefaultSendQueue
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = DefaultMaxMessageSize
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:    opts,
		ctx:     ctx,
		cancel:  cancel,
		rooms:   map[string]map[*client]struct{}{},
		clients: map[*client]struct{}{},
	}
	s.listen.Add(1)
	go func() {
		defer s.listen.Done()
		_ = opts.Adapter.Listen(ctx, s.deliverRemote)
	}()
	return s
}

// client is one connection's membership and send queue.
type client struct {
	room string
	send chan outMsg
}

type outMsg struct {
	typ  MessageType
	data []byte
}

// ServeHTTP upgrades /ws?room=R and serves the connection until it closes
// or the Server is closed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	room := r.URL.Query().Get("room")
	if room == "" {
		room = "default"
	}
	if len(room) > maxRoomName {
		http.Error(w, "room name longer than 256 bytes", http.StatusBadRequest)
		return
	}
	if s.ctx.Err() != nil {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	s.handlers.Add(1)
	defer s.handlers.Done()

	// Join before the 101 is written: a message sent after the client saw
	// its upgrade response must reach it (the generator counts on it).
	cl := &client{room: room, send: make(chan outMsg, s.opts.SendQueue)}
	s.join(cl)
	defer s.leave(cl)

	w.Header().Set(InstanceHeader, s.opts.Instance)
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled,
		OriginPatterns:  s.opts.OriginPatterns,
	})
	if err != nil {
		s.stats.upgradeErrors.Add(1)
		return // Accept has written the HTTP error
	}
	defer c.CloseNow()
	c.SetReadLimit(s.opts.MaxMessageSize)
	s.stats.connected.Add(1)
	defer s.stats.connected.Add(-1)
	s.stats.accepted.Add(1)

	// Server.Close closes with a handshake; a cancelled read context would
	// drop the TCP connection instead, so reads use no context.
	closed := make(chan struct{})
	stop := context.AfterFunc(s.ctx, func() {
		defer close(closed)
		_ = c.Close(websocket.StatusGoingAway, "server shutting down")
	})
	defer func() {
		if !stop() {
			<-closed
		}
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		s.write(ctx, c, cl)
	}()
	s.read(c, cl)
	cancel() // the connection is gone: stop the writer
	writer.Wait()
}

// read forwards every message the client sends until the connection ends.
func (s *Server) read(c *websocket.Conn, cl *client) {
	for {
		typ, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		s.stats.messagesIn.Add(1)
		s.deliverLocal(cl.room, cl, typ, data)
		if err := s.opts.Adapter.Publish(s.ctx, cl.room, typ, data); err != nil {
			s.stats.publishErrors.Add(1)
		}
	}
}

// write drains the client's queue onto the connection.
func (s *Server) write(ctx context.Context, c *websocket.Conn, cl *client) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-cl.send:
			if err := c.Write(ctx, m.typ, m.data); err != nil {
				return
			}
			s.stats.messagesOut.Add(1)
		}
	}
}

func (s *Server) join(cl *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.rooms[cl.room]
	if members == nil {
		members = map[*client]struct{}{}
		s.rooms[cl.room] = members
	}
	members[cl] = struct{}{}
	s.clients[cl] = struct{}{}
}

func (s *Server) leave(cl *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	members := s.rooms[cl.room]
	delete(members, cl)
	if len(members) == 0 {
		delete(s.rooms, cl.room)
	}
	delete(s.clients, cl)
}

// deliverLocal queues msg for every local member of room except from.
// It never blocks: a full queue drops the message for that client.
func (s *Server) deliverLocal(room string, from *client, typ MessageType, data []byte) {
	m := outMsg{typ: typ, data: data}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for cl := range s.rooms[room] {
		if cl == from {
			continue
		}
		select {
		case cl.send <- m:
		default:
			s.stats.dropped.Add(1)
		}
	}
}

// deliverRemote is the adapter's Deliver: a message from another instance.
func (s *Server) deliverRemote(room string, typ MessageType, data []byte) {
	s.stats.remoteIn.Add(1)
	s.deliverLocal(room, nil, typ, data)
}

// Close stops accepting, closes every connection with StatusGoingAway,
// stops the adapter's listener and waits for all of it (bounded by ctx;
// connections still open when ctx ends are dropped without a handshake).
// It does not close the Adapter, which the caller owns.
func (s *Server) Close(ctx context.Context) error {
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		s.listen.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("ws server: connections still closing"), ctx.Err())
	}
}
