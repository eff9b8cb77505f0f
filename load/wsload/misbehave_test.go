package wsload

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coder/websocket"
)

// misbehaving is a one-room broadcast server that sends every message
// whose sequence is a multiple of 5 twice, and holds back each message
// with sequence ≡ 1 (mod 4) until the sender's next one has gone out, so
// it arrives out of order.
type misbehaving struct {
	mu        sync.Mutex
	conns     map[*websocket.Conn]bool
	held      map[uint32][]byte
	dups      atomic.Uint64 // extra copies written
	reordered atomic.Uint64 // held messages written after a later one
}

func (m *misbehaving) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	m.mu.Lock()
	m.conns[c] = true
	m.mu.Unlock()
	defer func() { m.mu.Lock(); delete(m.conns, c); m.mu.Unlock() }()
	for {
		_, b, err := c.Read(context.Background())
		if err != nil {
			return
		}
		h, _ := parseHeader(b)
		m.mu.Lock()
		var out [][]byte
		var late int
		switch {
		case h.seq%5 == 0:
			out = [][]byte{b, b}
		case h.seq%4 == 1:
			m.held[h.sender] = b
		default:
			out = [][]byte{b}
		}
		if hb, ok := m.held[h.sender]; ok && h.seq%4 != 1 {
			out = append(out, hb)
			late = 1
			delete(m.held, h.sender)
		}
		var peers []*websocket.Conn
		for p := range m.conns {
			if p != c {
				peers = append(peers, p)
			}
		}
		m.mu.Unlock()
		for _, p := range peers {
			for i, msg := range out {
				if p.Write(context.Background(), websocket.MessageBinary, msg) == nil {
					if h.seq%5 == 0 && i == 1 {
						m.dups.Add(1)
					}
					if late == 1 && i == len(out)-1 {
						m.reordered.Add(1)
					}
				}
			}
		}
	}
}

func TestDuplicatesAndOutOfOrderAreCounted(t *testing.T) {
	m := &misbehaving{conns: map[*websocket.Conn]bool{}, held: map[uint32][]byte{}}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	cfg := fixed("ws" + strings.TrimPrefix(srv.URL, "http"))
	cfg.Rooms = 1
	cfg.Connections = 6
	cfg.ConnectRate = 60
	res := runLoad(t, cfg)
	w := res.Steps[0].WebSocket
	t.Log(describe(res.Steps[0]))
	if w.Duplicates == 0 || w.Duplicates != m.dups.Load() {
		t.Errorf("duplicates %d, want the %d extra copies the server wrote", w.Duplicates, m.dups.Load())
	}
	if w.OutOfOrder == 0 || w.OutOfOrder != m.reordered.Load() {
		t.Errorf("out of order %d, want the %d late copies the server wrote", w.OutOfOrder, m.reordered.Load())
	}
	// Seq 5 of each sender is sent twice; seq 1 is late. Nothing is lost:
	// every held message is released by the sender's next one.
	if w.Missing != 0 || w.Unexpected != 0 {
		t.Errorf("missing %d unexpected %d, want 0 0", w.Missing, w.Unexpected)
	}
}

func TestSeqWindow(t *testing.T) {
	var w seqWindow
	tests := []struct {
		seq  uint64
		want int
	}{
		{1, seqNew}, {3, seqNew}, {2, seqLate}, {2, seqDuplicate}, {3, seqDuplicate},
		{100, seqNew}, {36, seqLate}, {36, seqLate}, {37, seqLate}, {37, seqDuplicate}, {101, seqNew},
	}
	for _, tt := range tests {
		if got := w.see(tt.seq); got != tt.want {
			t.Errorf("see(%d) = %d, want %d", tt.seq, got, tt.want)
		}
	}
}
