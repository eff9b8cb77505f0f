package scenarios

import (
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// WebSocket is the websocket section: instead of requests and load, the
// scenario opens WebSocket connections to every target, spreads them over
// rooms, holds them while each client sends messages, and accounts for
// every delivery (docs/websocket.md). Exactly one of Connections and Ramp
// is set.
type WebSocket struct {
	// Path is the endpoint's path and query, relative to the target's
	// base URL (default /ws); http(s) becomes ws(s).
	Path string `yaml:"path" json:"path"`
	// RoomParam is the query parameter naming the room (default "room");
	// "-" sends none.
	RoomParam string `yaml:"room_param" json:"room_param"`
	// Rooms is how many rooms the clients are spread over, round-robin
	// (default 1).
	Rooms int `yaml:"rooms" json:"rooms"`
	// Connections are connection counts, each a step held for Hold; counts
	// never shrink (a single number is one step).
	Connections []int `yaml:"connections" json:"connections"`
	// Ramp opens connections linearly from 0 to To over Over, cut into
	// Windows steps.
	Ramp *WSRamp `yaml:"ramp" json:"ramp"`
	// ConnectRate is new connections per second (default 500; with a ramp,
	// To/Over).
	ConnectRate float64 `yaml:"connect_rate" json:"connect_rate"`
	// Hold is how long each step holds its connections (default
	// defaults.duration).
	Hold Duration `yaml:"hold" json:"hold"`
	// MessageRate is messages per second sent by each client (default 1).
	MessageRate float64 `yaml:"message_rate" json:"message_rate"`
	// MessageSize is the size of each message in bytes (default 64).
	MessageSize int `yaml:"message_size" json:"message_size"`
	// SendDelay delays every client's first message from the start of the
	// run (default 0).
	SendDelay Duration `yaml:"send_delay" json:"send_delay"`
	// IncludeSender counts the sender as a receiver of its own messages
	// (servers that echo to everyone; default false).
	IncludeSender bool `yaml:"include_sender" json:"include_sender"`
	// Reconnect reopens connections the server dropped (default false).
	Reconnect bool `yaml:"reconnect" json:"reconnect"`
	// Grace is how long to wait after the last send for deliveries still
	// in flight (default 2s).
	Grace Duration `yaml:"grace" json:"grace"`
	// Headers are sent with every upgrade request.
	Headers map[string]string `yaml:"headers" json:"headers"`
}

// WSRamp is a linear ramp of connections.
type WSRamp struct {
	// To is the final number of connections.
	To int `yaml:"to" json:"to"`
	// Over is the ramp's length.
	Over Duration `yaml:"over" json:"over"`
	// Windows is how many result steps the ramp is cut into (default 10).
	Windows int `yaml:"windows" json:"windows"`
}

// Sanity ceilings of the websocket section.
const (
	maxWSConnections = 200_000
	maxWSRooms       = 100_000
	maxWSMessageRate = 1000
	maxWSMessageSize = 1 << 20
	minWSMessageSize = 32 // the generator's header (wsload.HeaderSize)
	defaultWSPath    = "/ws"
)

// IsWebSocket reports whether the scenario drives WebSocket load.
func (s *Scenario) IsWebSocket() bool { return s.WebSocket != nil }

// newWebSocket returns the section's defaults.
func newWebSocket() *WebSocket {
	return &WebSocket{Path: defaultWSPath, RoomParam: "room", Rooms: 1, MessageRate: 1, MessageSize: 64, Grace: Duration(2 * time.Second)}
}

// websocket decodes the websocket section.
func (d *decoder) websocket(n *yaml.Node, path string, w *WebSocket) {
	present := d.mapping(n, path, fields{
		"path": func(v *yaml.Node, p string) { d.path(v, p, &w.Path) },
		"room_param": func(v *yaml.Node, p string) {
			if d.str(v, p, &w.RoomParam) && (w.RoomParam == "" || url.QueryEscape(w.RoomParam) != w.RoomParam) {
				d.add(v.Line, p, `must be a plain query parameter name (or "-" for none), got %q`, w.RoomParam)
			}
		},
		"rooms":       d.intBetween(&w.Rooms, 1, maxWSRooms),
		"connections": func(v *yaml.Node, p string) { d.wsConnections(v, p, w) },
		"ramp": func(v *yaml.Node, p string) {
			w.Ramp = &WSRamp{Windows: defaultRampWindows}
			d.wsRamp(v, p, w.Ramp)
		},
		"connect_rate": func(v *yaml.Node, p string) {
			if d.number(v, p, &w.ConnectRate) && (w.ConnectRate <= 0 || w.ConnectRate > maxRate) {
				d.add(v.Line, p, "must be > 0 and ≤ %d connections/s, got %v", maxRate, w.ConnectRate)
			}
		},
		"hold": d.durationAtLeast(&w.Hold, 0, true),
		"message_rate": func(v *yaml.Node, p string) {
			if d.number(v, p, &w.MessageRate) && (w.MessageRate < 0 || w.MessageRate > maxWSMessageRate) {
				d.add(v.Line, p, "must be between 0 and %d messages/s per client, got %v", maxWSMessageRate, w.MessageRate)
			}
		},
		"message_size":   d.intBetween(&w.MessageSize, minWSMessageSize, maxWSMessageSize),
		"send_delay":     d.durationAtLeast(&w.SendDelay, 0, true),
		"include_sender": func(v *yaml.Node, p string) { d.boolean(v, p, &w.IncludeSender) },
		"reconnect":      func(v *yaml.Node, p string) { d.boolean(v, p, &w.Reconnect) },
		"grace":          d.durationAtLeast(&w.Grace, 0, false),
		"headers":        func(v *yaml.Node, p string) { d.wsHeaders(v, p, w) },
	})
	if present == nil {
		return
	}
	c, hasConns := present["connections"]
	r, hasRamp := present["ramp"]
	switch {
	case hasConns && hasRamp:
		d.add(r.Line, field(path, "ramp"), "cannot be combined with connections (line %d): give one of them", c.Line)
	case !hasConns && !hasRamp:
		d.add(line(n), path, "needs connections (a number, or a list of steps) or ramp (to, over)")
	}
}

// wsConnections decodes websocket.connections: one count or a list of
// steps, never decreasing (connections are held between steps).
func (d *decoder) wsConnections(v *yaml.Node, p string, w *WebSocket) {
	w.Connections = []int{}
	prev := 0
	one := func(it *yaml.Node, ip string) {
		var c int
		if d.integer(it, ip, &c) {
			switch {
			case c < 1 || c > maxWSConnections:
				d.add(it.Line, ip, "must be between 1 and %d connections, got %d", maxWSConnections, c)
			case c < prev:
				d.add(it.Line, ip, "must be ≥ the previous step (%d): connections are held, never closed, between steps", prev)
			}
			prev = max(prev, c)
		}
		w.Connections = append(w.Connections, c)
	}
	if r := resolve(v); r != nil && r.Kind == yaml.ScalarNode {
		one(v, p)
		return
	}
	if d.list(v, p, one) && len(w.Connections) == 0 {
		d.add(v.Line, p, "must list at least one number of connections, e.g. [100, 500]")
	}
}

// wsHeaders decodes websocket.headers; the handshake's own headers
// cannot be given.
func (d *decoder) wsHeaders(v *yaml.Node, p string, w *WebSocket) {
	var lines map[string]int
	w.Headers, lines = d.strMap(v, p)
	for _, k := range sortedKeys(w.Headers) {
		check, ok := d.envValue(lines[k], field(p, k), w.Headers[k])
		if !ok {
			continue
		}
		if msg := checkHeader(k, check); msg != "" {
			d.add(lines[k], field(p, k), "%s", msg)
			continue
		}
		switch strings.ToLower(k) {
		case "upgrade", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions":
			d.add(lines[k], field(p, k), "is set by the WebSocket handshake and cannot be given")
		}
	}
}

// wsRamp decodes a ramp of connections.
func (d *decoder) wsRamp(n *yaml.Node, path string, r *WSRamp) {
	present := d.mapping(n, path, fields{
		"to": d.intBetween(&r.To, 1, maxWSConnections),
		"over": func(v *yaml.Node, p string) {
			if d.duration(v, p, &r.Over) && r.Over <= 0 {
				d.add(v.Line, p, "must be > 0, got %v", r.Over.D())
			}
		},
		"windows": d.intBetween(&r.Windows, 1, 1000),
	})
	if present == nil {
		return
	}
	for _, req := range []string{"to", "over"} {
		if _, ok := present[req]; !ok {
			d.add(line(n), field(path, req), "required: a ramp needs to (final connections) and over (its length)")
		}
	}
}

// intBetween returns a field function decoding a whole number in [lo, hi].
func (d *decoder) intBetween(dst *int, lo, hi int) fieldFunc {
	return func(v *yaml.Node, p string) {
		if d.integer(v, p, dst) && (*dst < lo || *dst > hi) {
			d.add(v.Line, p, "must be between %d and %d, got %d", lo, hi, *dst)
		}
	}
}
