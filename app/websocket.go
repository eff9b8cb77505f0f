package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/scalebench/scalebench/app/ws"
)

// WebSocket adapters accepted by Options.WSAdapter.
const (
	WSAdapterLocal = "local"
	WSAdapterRedis = "redis"
)

// Paths of the WebSocket endpoint and its counters.
const (
	WSPath      = "/ws"
	WSStatsPath = "/ws/stats"
)

// wsCloseTimeout bounds closing every WebSocket connection on shutdown;
// drivers send SIGKILL about 2 s after SIGTERM.
const wsCloseTimeout = 1500 * time.Millisecond

// WSOptions configure an instance's /ws endpoint (always mounted).
type WSOptions struct {
	// Adapter is WSAdapterLocal (default: broadcast to this instance's
	// clients only) or WSAdapterRedis (through Redis pub/sub to every
	// instance sharing RedisAddr).
	Adapter string
	// RedisAddr is the Redis server for the Redis adapter, host:port.
	RedisAddr string
}

// wsEndpoint is an instance's WebSocket server with its adapter.
type wsEndpoint struct {
	srv     *ws.Server
	adapter ws.Adapter
}

// newWSEndpoint builds the /ws server for the instance called id. With the
// Redis adapter it connects to redisAddr and fails when Redis cannot be
// reached, so a misconfigured replica exits instead of silently
// broadcasting only locally.
func newWSEndpoint(ctx context.Context, id string, o WSOptions) (*wsEndpoint, error) {
	adapter, redisAddr := o.Adapter, o.RedisAddr
	var a ws.Adapter
	switch adapter {
	case "", WSAdapterLocal:
		a = ws.Local{}
	case WSAdapterRedis:
		if redisAddr == "" {
			return nil, errors.New("--ws-adapter redis needs --redis ADDR")
		}
		r, err := ws.NewRedis(ctx, ws.RedisOptions{Addr: redisAddr})
		if err != nil {
			return nil, fmt.Errorf("websocket adapter: %w", err)
		}
		a = r
	default:
		return nil, fmt.Errorf("websocket adapter %q: want %s or %s", adapter, WSAdapterLocal, WSAdapterRedis)
	}
	return &wsEndpoint{srv: ws.New(ws.Options{Instance: id, Adapter: a}), adapter: a}, nil
}

// wrap routes /ws and /ws/stats to the WebSocket server, everything else
// to next.
func (e *wsEndpoint) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case WSPath:
			e.srv.ServeHTTP(w, r)
		case WSStatsPath:
			w.Header().Set(InstanceHeader, e.srv.Stats().Instance)
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(e.srv.Stats())
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// close closes every connection (GoingAway), then the adapter.
func (e *wsEndpoint) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), wsCloseTimeout)
	defer cancel()
	return errors.Join(e.srv.Close(ctx), e.adapter.Close())
}
