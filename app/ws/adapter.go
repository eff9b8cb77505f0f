package ws

import "context"

// Deliver hands a message published by another instance to the local
// members of room. It must not block.
type Deliver func(room string, typ MessageType, msg []byte)

// Adapter carries messages between instances (socket.io's adapter role).
// The Server delivers to its own clients itself; an Adapter only moves
// messages to and from the other instances.
type Adapter interface {
	// Name is "local" or "redis".
	Name() string
	// Publish hands msg, sent by a client of this instance to room, to the
	// other instances.
	Publish(ctx context.Context, room string, typ MessageType, msg []byte) error
	// Listen calls deliver for every message another instance published,
	// until ctx ends. It returns nil when ctx ends.
	Listen(ctx context.Context, deliver Deliver) error
	// Close releases the adapter's connections.
	Close() error
}

// Local is the in-process adapter: messages never leave the instance, so
// with replicas a client only hears the clients of its own replica.
type Local struct{}

var _ Adapter = Local{}

// Name returns "local".
func (Local) Name() string { return "local" }

// Publish does nothing: there are no other instances to reach.
func (Local) Publish(context.Context, string, MessageType, []byte) error { return nil }

// Listen waits for ctx to end: nothing ever arrives from elsewhere.
func (Local) Listen(ctx context.Context, _ Deliver) error {
	<-ctx.Done()
	return nil
}

// Close does nothing.
func (Local) Close() error { return nil }
