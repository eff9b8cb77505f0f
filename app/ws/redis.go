package ws

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultChannel is the Redis channel the instances share.
const DefaultChannel = "scalebench:ws"

// RedisOptions configure a Redis pub/sub adapter.
type RedisOptions struct {
	// Addr is the Redis server, host:port.
	Addr string
	// Channel is the pub/sub channel shared by all instances (default
	// DefaultChannel). Instances of different experiments must not share it.
	Channel string
	// Timeout bounds every Redis call (dial, publish); default 1 s. A
	// publish to a dead Redis fails after it instead of hanging a client.
	Timeout time.Duration
}

// Redis is the Redis pub/sub adapter (the role of socket.io's Redis
// adapter): one channel for all rooms, the room travelling in an envelope
// beside a random node id used to skip this instance's own echoes.
type Redis struct {
	client  *redis.Client
	pubsub  *redis.PubSub
	channel string
	node    uint64
	timeout time.Duration
}

var _ Adapter = (*Redis)(nil)

// NewRedis connects to Redis and subscribes to the channel; it returns once
// the subscription is confirmed, so no message published afterwards is
// missed. It fails when Redis cannot be reached within the timeout.
func NewRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	if opts.Addr == "" {
		return nil, errors.New("redis adapter: empty address")
	}
	if opts.Channel == "" {
		opts.Channel = DefaultChannel
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("redis adapter: node id: %w", err)
	}
	client := redis.NewClient(&redis.Options{
		Addr:         opts.Addr,
		DialTimeout:  opts.Timeout,
		ReadTimeout:  opts.Timeout,
		WriteTimeout: opts.Timeout,
		PoolTimeout:  opts.Timeout,
		PoolSize:     32,
		MaxRetries:   -1, // a failed publish is counted, not retried
	})
	r := &Redis{
		client:  client,
		channel: opts.Channel,
		node:    binary.BigEndian.Uint64(id[:]),
		timeout: opts.Timeout,
	}
	sctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	r.pubsub = client.Subscribe(sctx, opts.Channel)
	if _, err := r.pubsub.Receive(sctx); err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("redis adapter: subscribe %s on %s: %w", opts.Channel, opts.Addr, err)
	}
	return r, nil
}

// Name returns "redis".
func (r *Redis) Name() string { return "redis" }

// Publish sends msg to the other instances with one PUBLISH.
func (r *Redis) Publish(ctx context.Context, room string, typ MessageType, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.client.Publish(ctx, r.channel, encodeEnvelope(r.node, room, typ, msg)).Err(); err != nil {
		return fmt.Errorf("redis publish: %w", err)
	}
	return nil
}

// Listen delivers what other instances publish until ctx ends. go-redis
// re-subscribes by itself after Redis comes back; messages published while
// the subscription was down are lost (pub/sub has no replay).
func (r *Redis) Listen(ctx context.Context, deliver Deliver) error {
	ch := r.pubsub.Channel(redis.WithChannelSize(4096))
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			node, room, typ, payload, err := decodeEnvelope([]byte(m.Payload))
			if err != nil || node == r.node {
				continue // foreign message, or our own echo (delivered locally)
			}
			deliver(room, typ, payload)
		}
	}
}

// Close unsubscribes and closes the connections.
func (r *Redis) Close() error {
	var err error
	if r.pubsub != nil {
		err = r.pubsub.Close()
	}
	return errors.Join(err, r.client.Close())
}

// Envelope: version(1) type(1) node(8) room length(2) room payload.
const envelopeVersion = 1

func encodeEnvelope(node uint64, room string, typ MessageType, msg []byte) []byte {
	b := make([]byte, 12+len(room)+len(msg))
	b[0] = envelopeVersion
	b[1] = byte(typ)
	binary.BigEndian.PutUint64(b[2:], node)
	binary.BigEndian.PutUint16(b[10:], uint16(len(room)))
	n := copy(b[12:], room)
	copy(b[12+n:], msg)
	return b
}

func decodeEnvelope(b []byte) (node uint64, room string, typ MessageType, msg []byte, err error) {
	if len(b) < 12 || b[0] != envelopeVersion {
		return 0, "", 0, nil, errors.New("not a scalebench envelope")
	}
	n := int(binary.BigEndian.Uint16(b[10:]))
	if len(b) < 12+n {
		return 0, "", 0, nil, errors.New("short envelope")
	}
	return binary.BigEndian.Uint64(b[2:]), string(b[12 : 12+n]), MessageType(b[1]), b[12+n:], nil
}
