package ws

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Unit tests of the /ws endpoint's logic: rooms, the sender left out,
// remote deliveries, drops on a full queue, the size limit and shutdown.
// (The generator's end-to-end tests against real instances and a real
// Redis are in load/wsload.)

func serve(t *testing.T, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
		hs.Close()
	})
	return s, "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

func dial(t *testing.T, url, room string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url+"?room="+room, nil)
	if err != nil {
		t.Fatalf("dial room %s: %v", room, err)
	}
	if got := resp.Header.Get(InstanceHeader); got != "i1" {
		t.Errorf("%s = %q, want i1", InstanceHeader, got)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// readWithin reads one message or reports that none came within d.
func readWithin(c *websocket.Conn, d time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := c.Read(ctx)
	return string(b), err
}

func TestRoomMembersGetTheMessageSenderAndOtherRoomsDoNot(t *testing.T) {
	s, url := serve(t, Options{Instance: "i1"})
	sender, a2, a3, b1 := dial(t, url, "a"), dial(t, url, "a"), dial(t, url, "a"), dial(t, url, "b")
	if err := sender.Write(context.Background(), websocket.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*websocket.Conn{a2, a3} {
		if got, err := readWithin(c, 5*time.Second); err != nil || got != "hi" {
			t.Errorf("member %d of room a read %q, %v; want hi", i+2, got, err)
		}
	}
	// The sender and room b must get nothing; a read that times out says
	// so (and the connection is then unusable, which the test does not mind).
	for name, c := range map[string]*websocket.Conn{"the sender": sender, "room b": b1} {
		if got, err := readWithin(c, 200*time.Millisecond); err == nil {
			t.Errorf("%s read %q, want nothing", name, got)
		}
	}
	st := s.Stats()
	if st.MessagesIn != 1 || st.MessagesOut != 2 || st.Accepted != 4 || st.Adapter != "local" {
		t.Errorf("stats %+v, want 1 in, 2 out, 4 accepted, local adapter", st)
	}
}

// chanAdapter is an in-process adapter: what Listen delivers comes from
// remote; Publish fails when failPublish is set.
type chanAdapter struct {
	remote      chan [2]string
	failPublish bool
}

func (a *chanAdapter) Name() string { return "chan" }
func (a *chanAdapter) Publish(context.Context, string, MessageType, []byte) error {
	if a.failPublish {
		return errors.New("redis: connection refused")
	}
	return nil
}
func (a *chanAdapter) Listen(ctx context.Context, deliver Deliver) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case m := <-a.remote:
			deliver(m[0], websocket.MessageText, []byte(m[1]))
		}
	}
}
func (a *chanAdapter) Close() error { return nil }

func TestRemoteMessagesReachEveryLocalMemberAndPublishErrorsCount(t *testing.T) {
	ad := &chanAdapter{remote: make(chan [2]string, 1), failPublish: true}
	s, url := serve(t, Options{Instance: "i1", Adapter: ad})
	c1, c2 := dial(t, url, "r"), dial(t, url, "r")
	ad.remote <- [2]string{"r", "from elsewhere"}
	for i, c := range []*websocket.Conn{c1, c2} {
		if got, err := readWithin(c, 5*time.Second); err != nil || got != "from elsewhere" {
			t.Errorf("member %d read %q, %v; want the remote message", i+1, got, err)
		}
	}
	if err := c1.Write(context.Background(), websocket.MessageText, []byte("local")); err != nil {
		t.Fatal(err)
	}
	if got, err := readWithin(c2, 5*time.Second); err != nil || got != "local" {
		t.Errorf("a failed publish must still deliver locally: read %q, %v", got, err)
	}
	if st := s.Stats(); st.RemoteIn != 1 || st.PublishErrors != 1 {
		t.Errorf("stats %+v, want 1 remote in, 1 publish error", st)
	}
}

func TestFullSendQueueDropsForThatClientOnly(t *testing.T) {
	s := New(Options{SendQueue: 1})
	defer s.Close(context.Background())
	slow, fast := &client{room: "r", send: make(chan outMsg, 1)}, &client{room: "r", send: make(chan outMsg, 8)}
	s.join(slow)
	s.join(fast)
	for range 3 {
		s.deliverLocal("r", nil, websocket.MessageText, []byte("m"))
	}
	if len(fast.send) != 3 || len(slow.send) != 1 || s.Stats().Dropped != 2 {
		t.Errorf("fast queued %d, slow %d, dropped %d; want 3, 1, 2", len(fast.send), len(slow.send), s.Stats().Dropped)
	}
	s.leave(slow)
	s.leave(fast)
	if st := s.Stats(); st.Rooms != 0 {
		t.Errorf("rooms %d after every member left, want 0", st.Rooms)
	}
}

func TestOversizedMessageClosesTheSender(t *testing.T) {
	_, url := serve(t, Options{Instance: "i1", MaxMessageSize: 16})
	c := dial(t, url, "r")
	if err := c.Write(context.Background(), websocket.MessageText, []byte(strings.Repeat("x", 100))); err != nil {
		t.Fatal(err)
	}
	_, err := readWithin(c, 5*time.Second)
	if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
		t.Errorf("close status %v (%v), want StatusMessageTooBig", got, err)
	}
}

func TestCloseSaysGoingAwayAndRefusesNewUpgrades(t *testing.T) {
	s, url := serve(t, Options{Instance: "i1"})
	c := dial(t, url, "r")
	// The client reads meanwhile, as a real one does: the close handshake
	// needs its answer.
	read := make(chan error, 1)
	go func() { _, err := readWithin(c, 5*time.Second); read <- err }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	err := <-read
	if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
		t.Errorf("close status %v (%v), want StatusGoingAway", got, err)
	}
	resp, err := http.Get("http" + strings.TrimPrefix(strings.TrimSuffix(url, "/ws"), "ws") + "/ws?room=r")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("upgrade after Close: status %d, want 503", resp.StatusCode)
	}
}

func TestRoomNameTooLongIsRefused(t *testing.T) {
	s := New(Options{})
	defer s.Close(context.Background())
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/ws?room="+strings.Repeat("r", 257), nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", rec.Code)
	}
}
