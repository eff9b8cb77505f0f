package ws

import "sync/atomic"

// Stats are an instance's WebSocket counters, for a /stats endpoint. All
// counts are since New, except Connections.
type Stats struct {
	// Instance is Options.Instance.
	Instance string `json:"instance"`
	// Adapter is "local" or "redis".
	Adapter string `json:"adapter"`
	// Connections is the number of connections open now.
	Connections int64 `json:"connections"`
	// Accepted is the number of upgrades that succeeded.
	Accepted uint64 `json:"accepted"`
	// UpgradeErrors is the number of upgrade requests refused.
	UpgradeErrors uint64 `json:"upgrade_errors"`
	// Rooms is the number of rooms with at least one local member now.
	Rooms int `json:"rooms"`
	// MessagesIn is the number of messages received from local clients.
	MessagesIn uint64 `json:"messages_in"`
	// RemoteIn is the number of messages received from other instances.
	RemoteIn uint64 `json:"remote_in"`
	// MessagesOut is the number of messages written to local clients.
	MessagesOut uint64 `json:"messages_out"`
	// Dropped is the number of messages dropped because a client's send
	// queue was full.
	Dropped uint64 `json:"dropped"`
	// PublishErrors is the number of messages the adapter failed to publish
	// (Redis down or too slow); local members still got them.
	PublishErrors uint64 `json:"publish_errors"`
}

type counters struct {
	connected     atomic.Int64
	accepted      atomic.Uint64
	upgradeErrors atomic.Uint64
	messagesIn    atomic.Uint64
	remoteIn      atomic.Uint64
	messagesOut   atomic.Uint64
	dropped       atomic.Uint64
	publishErrors atomic.Uint64
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	s.mu.RLock()
	rooms := len(s.rooms)
	s.mu.RUnlock()
	return Stats{
		Instance:      s.opts.Instance,
		Adapter:       s.opts.Adapter.Name(),
		Connections:   s.stats.connected.Load(),
		Accepted:      s.stats.accepted.Load(),
		UpgradeErrors: s.stats.upgradeErrors.Load(),
		Rooms:         rooms,
		MessagesIn:    s.stats.messagesIn.Load(),
		RemoteIn:      s.stats.remoteIn.Load(),
		MessagesOut:   s.stats.messagesOut.Load(),
		Dropped:       s.stats.dropped.Load(),
		PublishErrors: s.stats.publishErrors.Load(),
	}
}
