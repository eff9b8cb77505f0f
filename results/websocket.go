package results

// WebSocketStats is one WebSocket load step: connections, and the fate of
// every message × expected receiver. Invariants: delivered + missing =
// deliveries_expected; received = delivered + duplicates + unexpected.
type WebSocketStats struct {
	// Rooms is the number of rooms the clients were spread over.
	Rooms int `json:"rooms"`
	// IncludeSender says whether a sender counts as a receiver of its own
	// messages.
	IncludeSender bool `json:"include_sender"`
	// MessageRate is messages per second per client; MessageSize in bytes.
	MessageRate float64 `json:"message_rate"`
	MessageSize int     `json:"message_size"`
	// ConnectionsTarget is the number of connections this step holds.
	ConnectionsTarget int `json:"connections_target"`
	// ConnectionsOpenMax and ConnectionsOpenEnd are the open connections at
	// their peak and at the end of the step.
	ConnectionsOpenMax int `json:"connections_open_max"`
	ConnectionsOpenEnd int `json:"connections_open_end"`
	// ConnectAttempts and ConnectFailures count first connection attempts
	// (not reconnects); ConnectFailuresByKind splits the failures:
	// "timeout", "connection_refused", "connection_reset", "status_NNN",
	// "other".
	ConnectAttempts       uint64            `json:"connect_attempts"`
	ConnectFailures       uint64            `json:"connect_failures"`
	ConnectFailuresByKind map[string]uint64 `json:"connect_failures_by_kind,omitempty"`
	// ConnectLatency is dial start (intended) to upgrade completed.
	ConnectLatency Latency `json:"connect_latency_ms"`
	// MessagesSent counts messages written; SendErrors writes that failed;
	// MessagesUnsent scheduled messages skipped because their sender was
	// disconnected.
	MessagesSent   uint64 `json:"messages_sent"`
	SendErrors     uint64 `json:"send_errors"`
	MessagesUnsent uint64 `json:"messages_unsent"`
	// DeliveriesExpected is Σ over sent messages of the receivers that
	// were connected when it was sent.
	DeliveriesExpected uint64 `json:"deliveries_expected"`
	// Received counts every message a client read.
	Received uint64 `json:"received"`
	// Delivered counts first copies at expected receivers; Missing is
	// DeliveriesExpected − Delivered; Duplicates are extra copies;
	// Unexpected are copies at receivers that were not connected at send
	// time, or messages not written by the generator.
	Delivered  uint64 `json:"delivered"`
	Missing    uint64 `json:"missing"`
	Duplicates uint64 `json:"duplicates"`
	Unexpected uint64 `json:"unexpected"`
	// OutOfOrder counts first copies that arrived after a later message of
	// the same sender.
	OutOfOrder uint64 `json:"out_of_order"`
	// DeliveryRatio is Delivered / DeliveriesExpected (1 when none expected).
	DeliveryRatio float64 `json:"delivery_ratio"`
	// FanoutLatency is the intended send time to each delivery.
	FanoutLatency Latency `json:"fanout_latency_ms"`
	// DeliveriesPerS is Delivered per second of the step.
	DeliveriesPerS float64 `json:"deliveries_per_s"`
	// Disconnects counts connections lost during the step (not closed by
	// the generator), by kind: "server_close" (close frame received),
	// "read_error" (connection dropped).
	Disconnects       uint64            `json:"disconnects"`
	DisconnectsByKind map[string]uint64 `json:"disconnects_by_kind,omitempty"`
	// ReconnectAttempts, Reconnects and ReconnectFailures count attempts
	// to reopen a lost connection, and how they ended.
	ReconnectAttempts uint64 `json:"reconnect_attempts"`
	Reconnects        uint64 `json:"reconnects"`
	ReconnectFailures uint64 `json:"reconnect_failures"`
	// Timeline holds one point per second of the step (at most 3,600).
	Timeline []WebSocketPoint `json:"timeline,omitempty"`
	// Histograms holds HDR histograms, base64 of the V2 compressed encoding,
	// in microseconds: "connect_latency", "fanout_latency".
	Histograms map[string]string `json:"histograms,omitempty"`
}

// WebSocketPoint is one second of a WebSocket step (by wall time).
type WebSocketPoint struct {
	// T is seconds since the step started.
	T float64 `json:"t"`
	// ConnectionsOpen at the end of the second.
	ConnectionsOpen int `json:"connections_open"`
	// MessagesSent, Received and Disconnects during the second.
	MessagesSent uint64 `json:"messages_sent"`
	Received     uint64 `json:"received"`
	Disconnects  uint64 `json:"disconnects"`
}
