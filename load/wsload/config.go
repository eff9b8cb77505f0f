package wsload

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/scalebench/scalebench/netsafe"
)

// Level is one step of the generator: grow to Connections (opening the new
// ones at Config.ConnectRate), then hold them for Hold while every client
// sends. Levels never shrink. A linear ramp is a list of Levels (see Ramp).
type Level struct {
	Connections int
	Hold        time.Duration
}

// Ramp cuts a linear ramp from 0 to conns connections over d into windows
// Levels of equal duration; with Config.ConnectRate = conns/d.Seconds() the
// connections open evenly over the ramp.
func Ramp(conns, windows int, d time.Duration) []Level {
	if windows < 1 {
		windows = 1
	}
	lv := make([]Level, windows)
	for i := range lv {
		lv[i] = Level{Connections: conns * (i + 1) / windows, Hold: 0}
	}
	// The time to open each window's connections is the window itself;
	// no extra hold.
	return lv
}

// Config is one WebSocket load run against one target.
type Config struct {
	// URL of the endpoint, ws:// or wss://; the room is added as the query
	// parameter RoomParam.
	URL string
	// URLs, when set instead of URL, spreads the clients over several
	// endpoints (replicas reached directly): client i uses
	// URLs[(i / Rooms) mod len(URLs)], so each room's members alternate
	// between endpoints.
	URLs []string
	// RoomParam is the room's query parameter (default "room"); "" in a
	// user scenario may be set to "-" to send no room parameter.
	RoomParam string
	// Rooms is how many rooms the clients are spread over, round-robin:
	// client i joins room "r<i mod Rooms>" (default 1).
	Rooms int
	// Connections and Hold are shorthand for Levels = [{Connections, Hold}].
	Connections int
	Hold        time.Duration
	// Levels are the steps, in order.
	Levels []Level
	// ConnectRate is new connections opened per second (default 500).
	ConnectRate float64
	// MessageRate is messages per second sent by each client (0: none).
	MessageRate float64
	// SendDelay delays every client's first scheduled message by this
	// much from the start of the run, so connections can settle first.
	SendDelay time.Duration
	// MessageSize is the size of each message in bytes (default 64, at
	// least HeaderSize).
	MessageSize int
	// IncludeSender makes the sender one of its message's expected
	// receivers (servers that echo to everyone). The reference app does not.
	IncludeSender bool
	// ConnectTimeout bounds one dial and upgrade (default 5 s).
	ConnectTimeout time.Duration
	// WriteTimeout bounds one message write (default 5 s).
	WriteTimeout time.Duration
	// Grace is how long to wait after the last send for deliveries still in
	// flight (default 2 s); the wait ends early when all arrived.
	Grace time.Duration
	// CloseTimeout bounds the clean close of all connections (default 5 s);
	// connections still open after it are dropped.
	CloseTimeout time.Duration
	// Reconnect reopens a connection the server dropped (backoff 100 ms
	// doubling to 1 s) until the run ends.
	Reconnect bool
	// Header is sent with every upgrade request.
	Header http.Header
	// AllowRemote permits a non-loopback host.
	AllowRemote bool
	// Observe, when set, is called about once a second with live figures.
	// It must not block.
	Observe func(Live)
}

// Live is a progress snapshot.
type Live struct {
	Step            int
	Elapsed         time.Duration
	ConnectionsOpen int
	MessagesSent    uint64
	Received        uint64
	Disconnects     uint64
}

func (c *Config) defaults() {
	if c.RoomParam == "" {
		c.RoomParam = "room"
	}
	if c.Rooms <= 0 {
		c.Rooms = 1
	}
	if len(c.Levels) == 0 && c.Connections > 0 {
		c.Levels = []Level{{Connections: c.Connections, Hold: c.Hold}}
	}
	if c.ConnectRate <= 0 {
		c.ConnectRate = 500
	}
	if c.MessageSize == 0 {
		c.MessageSize = 64
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 5 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 5 * time.Second
	}
	if c.Grace <= 0 {
		c.Grace = 2 * time.Second
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = 5 * time.Second
	}
}

// maxConnections bounds one run; far above what one machine can hold.
const maxConnections = 1 << 20

func (c *Config) validate() error {
	var errs []error
	if len(c.URLs) == 0 {
		c.URLs = []string{c.URL}
	}
	for _, raw := range c.URLs {
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("url: %w", err))
		case u.Scheme != "ws" && u.Scheme != "wss":
			errs = append(errs, fmt.Errorf("url %q: scheme must be ws or wss, got %q", raw, u.Scheme))
		case !c.AllowRemote && !netsafe.IsLoopback(u.Hostname()):
			errs = append(errs, fmt.Errorf("url %q: host %q is not loopback (set allow_remote to load it)", raw, u.Hostname()))
		}
	}
	if c.SendDelay < 0 {
		errs = append(errs, fmt.Errorf("send_delay: must be ≥ 0, got %s", c.SendDelay))
	}
	if len(c.Levels) == 0 {
		errs = append(errs, errors.New("connections: must be ≥ 1"))
	}
	prev := 0
	for i, l := range c.Levels {
		if l.Connections < prev || l.Connections < 1 || l.Connections > maxConnections {
			errs = append(errs, fmt.Errorf("levels[%d].connections: must be ≥ %d and ≥ the previous level, got %d", i, max(prev, 1), l.Connections))
		}
		if l.Hold < 0 {
			errs = append(errs, fmt.Errorf("levels[%d].hold: must be ≥ 0, got %s", i, l.Hold))
		}
		prev = l.Connections
	}
	if len(c.Levels) > 1<<16 {
		errs = append(errs, fmt.Errorf("levels: at most 65536, got %d", len(c.Levels)))
	}
	if c.MessageRate < 0 {
		errs = append(errs, fmt.Errorf("message_rate: must be ≥ 0, got %g", c.MessageRate))
	}
	if c.MessageSize < HeaderSize {
		errs = append(errs, fmt.Errorf("message_size: must be ≥ %d (the header), got %d", HeaderSize, c.MessageSize))
	}
	return errors.Join(errs...)
}
