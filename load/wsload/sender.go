package wsload

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// sendAll runs the shared senders: a few goroutines, each walking the
// schedules of its share of the clients in time order with one timer.
// Client i sends its k-th message at start + (i/N + k)/MessageRate, whether
// or not earlier sends were late (open model; latency is measured from
// this intended time).
func (r *run) sendAll(ctx context.Context) {
	if r.cfg.MessageRate <= 0 {
		return
	}
	n := min(len(r.clients), max(2*runtime.GOMAXPROCS(0), 4))
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.sendShard(ctx, g, n)
		}()
	}
	wg.Wait()
}

func (r *run) sendShard(ctx context.Context, g, n int) {
	period := 1e9 / r.cfg.MessageRate
	total := float64(len(r.clients))
	end := r.bounds[len(r.bounds)-1]
	buf := make([]byte, r.cfg.MessageSize)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for k := 0; ; k++ {
		for i := g; i < len(r.clients); i += n {
			intended := int64(r.cfg.SendDelay) + int64((float64(i)/total+float64(k))*period)
			if intended >= end {
				return
			}
			if d := time.Duration(intended - r.now()); d > 50*time.Microsecond {
				timer.Reset(d)
				select {
				case <-timer.C:
				case <-ctx.Done():
					return
				}
			} else if ctx.Err() != nil {
				return
			}
			r.send(ctx, r.clients[i], intended, buf)
		}
	}
}

// send writes one message of cl, if cl is connected and was connected at
// its intended time, and counts its expected receivers.
func (r *run) send(ctx context.Context, cl *client, intended int64, buf []byte) {
	c := cl.conn.Load()
	rm := cl.room
	rm.mu.Lock()
	if c == nil || !cl.isOpen || cl.openedAt > intended {
		unsent := cl.everOpen && !cl.isOpen
		rm.mu.Unlock()
		if unsent {
			r.steps[r.stepAt(intended)].unsent.Add(1)
		}
		return
	}
	receivers := rm.open - 1
	if r.cfg.IncludeSender {
		receivers++
	}
	epoch := rm.epoch
	rm.mu.Unlock()

	k := r.stepAt(intended)
	cl.seq++
	header{step: uint16(k), sender: cl.id, seq: cl.seq, intended: intended, epoch: epoch}.put(buf)
	wctx, cancel := context.WithTimeout(ctx, r.cfg.WriteTimeout)
	err := c.Write(wctx, websocket.MessageBinary, buf)
	cancel()
	s := r.steps[k]
	if err != nil {
		s.sendErrors.Add(1)
		return
	}
	s.sent.Add(1)
	r.sent.Add(1)
	s.expected.Add(uint64(receivers))
}
