// Package ws is the reference application's WebSocket endpoint: chat-style
// rooms where every message a client sends is broadcast to the other
// clients of its room, on this instance and — through an Adapter — on every
// other replica.
//
// In the flow it sits inside the reference app (app), mounted at
// /ws by the hidden `scalebench serve` command; the WebSocket load generator
// (load/wsload) drives it.
//
// Semantics, which the generator's accounting relies on:
//
//   - A client joins the room named by the `room` query parameter
//     ("default" when absent) and is a member from the moment the upgrade
//     response is written: membership starts before the 101 is sent, so a
//     message sent after the client saw its 101 always reaches it.
//   - Every text or binary message is delivered unchanged (same type, same
//     bytes) to every other member of the room. The sender does not get its
//     own message back (socket.io's socket.to(room).emit).
//   - Each client has a bounded send queue (Options.SendQueue). When it is
//     full the message is dropped for that client and counted in
//     Stats.Dropped: a slow client never blocks its room.
//   - With the Local adapter a message reaches only clients of this
//     instance. With the Redis adapter the instance delivers to its own
//     clients directly and PUBLISHes the message on one Redis channel; every
//     instance SUBSCRIBEs and delivers what other instances published,
//     skipping its own echoes by a random node id in the envelope.
//   - When Redis is down, local clients still receive local messages;
//     failed publishes are counted in Stats.PublishErrors and never block
//     longer than the adapter's timeout.
//
// Every upgrade response carries the X-Scalebench-Instance header.
package ws
