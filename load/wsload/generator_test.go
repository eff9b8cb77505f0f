package wsload

import (
	"slices"
	"testing"
	"time"

	"github.com/scalebench/scalebench/app/ws"
	"github.com/scalebench/scalebench/stats"
)

// fixed is a schedule where every client connects before the first send
// and sends exactly 5 messages: 24 clients at 240/s open in 0.1 s; sends
// start at 0.5 s, 10 per second, until 1.0 s.
func fixed(urls ...string) Config {
	return Config{URLs: urls, Rooms: 2, Connections: 24, ConnectRate: 240, Hold: 900 * time.Millisecond,
		SendDelay: 500 * time.Millisecond, MessageRate: 10, Grace: 500 * time.Millisecond}
}

func TestSingleInstanceDeliversAll(t *testing.T) {
	in := startInstance(t, "a", ws.Local{})
	res := runLoad(t, fixed(in.URL))
	w := res.Steps[0].WebSocket
	t.Log(describe(res.Steps[0]))
	// 24 clients × 5 messages, each to the 11 others of its room.
	if w.MessagesSent != 120 || w.DeliveriesExpected != 120*11 {
		t.Errorf("sent %d, expected %d; want 120, 1320", w.MessagesSent, w.DeliveriesExpected)
	}
	if w.Delivered != w.DeliveriesExpected || w.DeliveryRatio != 1 || w.Duplicates+w.Unexpected+w.OutOfOrder != 0 {
		t.Errorf("got %s, want every expected delivery once, in order", describe(res.Steps[0]))
	}
	if w.ConnectionsOpenMax != 24 || w.ConnectFailures != 0 || w.Disconnects != 0 {
		t.Errorf("connections max %d failures %d disconnects %d, want 24 0 0", w.ConnectionsOpenMax, w.ConnectFailures, w.Disconnects)
	}
	if st := in.ws.Stats(); st.MessagesIn != 120 || st.MessagesOut != 1320 || st.Dropped != 0 {
		t.Errorf("server stats %+v, want 120 in, 1320 out", st)
	}
}

func TestReplicasWithoutAdapterLoseCrossInstanceMessages(t *testing.T) {
	a, b := startInstance(t, "a", ws.Local{}), startInstance(t, "b", ws.Local{})
	res := runLoad(t, fixed(a.URL, b.URL))
	w := res.Steps[0].WebSocket
	t.Log(describe(res.Steps[0]))
	// Each room has 12 members alternating a, b: a sender reaches the 5
	// others on its own instance out of 11.
	if w.DeliveriesExpected != 1320 || w.Delivered != 600 || w.Missing != 720 {
		t.Errorf("expected %d delivered %d missing %d, want 1320 600 720", w.DeliveriesExpected, w.Delivered, w.Missing)
	}
	if got, want := w.DeliveryRatio, 5.0/11; got != want {
		t.Errorf("delivery ratio %v, want %v", got, want)
	}
}

func TestReplicasWithRedisAdapterDeliverAll(t *testing.T) {
	addr := startRedis(t)
	a := startInstance(t, "a", newRedisAdapter(t, addr))
	b := startInstance(t, "b", newRedisAdapter(t, addr))
	res := runLoad(t, fixed(a.URL, b.URL))
	w := res.Steps[0].WebSocket
	t.Log(describe(res.Steps[0]))
	if w.DeliveriesExpected != 1320 || w.Delivered != 1320 || w.DeliveryRatio != 1 || w.Duplicates != 0 {
		t.Errorf("got %s, want 1320 of 1320 delivered once", describe(res.Steps[0]))
	}
}

func TestKilledReplicaShowsDisconnectsAndEndsOnTime(t *testing.T) {
	addr := startRedis(t)
	a := startInstance(t, "a", newRedisAdapter(t, addr))
	b := startInstance(t, "b", newRedisAdapter(t, addr))
	cfg := fixed(a.URL, b.URL)
	cfg.Hold = 1900 * time.Millisecond
	cfg.Reconnect = true
	cfg.ConnectTimeout = time.Second
	time.AfterFunc(time.Second, b.kill)
	start := time.Now()
	res := runLoad(t, cfg)
	elapsed := time.Since(start)
	w := res.Steps[0].WebSocket
	t.Log(describe(res.Steps[0]), "elapsed", elapsed)
	if w.Disconnects != 12 {
		t.Errorf("disconnects %d, want the 12 clients of the killed replica", w.Disconnects)
	}
	if w.ReconnectFailures == 0 || w.Reconnects != 0 || w.ReconnectAttempts != w.ReconnectFailures {
		t.Errorf("reconnect attempts %d failures %d successes %d, want only failures", w.ReconnectAttempts, w.ReconnectFailures, w.Reconnects)
	}
	if w.Missing != 0 && w.Delivered == w.DeliveriesExpected {
		t.Errorf("missing %d inconsistent", w.Missing)
	}
	// 2 s of load + 0.5 s grace + closing: generous, a hang takes far longer.
	if elapsed > 6*time.Second {
		t.Errorf("run took %s, want about 2.5 s", elapsed)
	}
}

// TestFanoutSlicesFeedTheInterval: the step's seconds carry fan-out
// latency histograms (each delivery at most once), so its fan-out
// percentiles get an interval like an HTTP step's latency.
func TestFanoutSlicesFeedTheInterval(t *testing.T) {
	in := startInstance(t, "a", ws.Local{})
	cfg := fixed(in.URL)
	cfg.Hold = 3500 * time.Millisecond
	res := runLoad(t, cfg)
	s := res.Steps[0]
	var inSlices uint64
	withLatency := 0
	for _, sec := range s.Sections {
		if sec.Latency != nil {
			inSlices += uint64(sec.Latency.TotalCount())
			withLatency++
		}
	}
	if withLatency < 2 || inSlices == 0 || inSlices > s.WebSocket.Delivered {
		t.Fatalf("%d slices with latency holding %d deliveries (of %d): want ≥ 2 slices, none counted twice",
			withLatency, inSlices, s.WebSocket.Delivered)
	}
	st := s.ResultsStep(cfg.MessageRate)
	stats.Figures(&st)
	if st.LatencyCI == nil || slices.Contains(st.CINotEnoughData, "p50") || !st.LatencyCI.P50.Contains(st.Latency.P50) {
		t.Errorf("fan-out p50 %v interval %v (not enough data: %v), want an interval around it", st.Latency.P50, st.LatencyCI, st.CINotEnoughData)
	}
}
