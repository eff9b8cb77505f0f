// A small service for the examples (my-service.yaml, websocket-my-service.yaml,
// flows-my-service.yaml can point at it too): plain Node.js, no packages.
//
//   PORT=3000 node examples/server.js
//
// GET  /healthz        204 once listening
// GET  /api/items      the items, as JSON
// POST /api/items      adds one ({"name": …}), 201
// GET  /socket?room=R  WebSocket: every message is sent, unchanged, to the
//                      other clients of room R (no echo to the sender)
'use strict';
const http = require('http');
const crypto = require('crypto');

const port = Number(process.env.PORT || 3000);
const items = [];
const rooms = new Map(); // room → Set of sockets

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(204).end();
  } else if (url.pathname === '/api/items' && req.method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(items.slice(-20)));
  } else if (url.pathname === '/api/items' && req.method === 'POST') {
    let body = '';
    req.on('data', (c) => { if (body.length < 65536) body += c; });
    req.on('end', () => {
      let item;
      try { item = JSON.parse(body); } catch { res.writeHead(400).end('bad json'); return; }
      items.push(item);
      if (items.length > 1000) items.shift();
      res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify(item));
    });
  } else {
    res.writeHead(404).end('not found');
  }
});

// WebSocket (RFC 6455), just enough for broadcasting: handshake, masked
// client frames (no fragmentation), ping/pong and close.
server.on('upgrade', (req, socket) => {
  const url = new URL(req.url, 'http://localhost');
  const key = req.headers['sec-websocket-key'];
  if (url.pathname !== '/socket' || !key) { socket.destroy(); return; }
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
  socket.setNoDelay(true);
  const room = url.searchParams.get('room') || '';
  if (!rooms.has(room)) rooms.set(room, new Set());
  const peers = rooms.get(room);
  peers.add(socket);
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const f = parseFrame(buf);
      if (!f) break;
      buf = buf.subarray(f.size);
      if (f.opcode === 0x8) { socket.end(frame(0x8, Buffer.alloc(0))); return; }
      if (f.opcode === 0x9) { socket.write(frame(0xA, f.payload)); continue; }
      if (f.opcode === 0x1 || f.opcode === 0x2) {
        const out = frame(f.opcode, f.payload);
        for (const p of peers) if (p !== socket && p.writable) p.write(out);
      }
    }
  });
  const leave = () => { peers.delete(socket); if (peers.size === 0) rooms.delete(room); };
  socket.on('close', leave);
  socket.on('error', leave);
});

// parseFrame returns {opcode, payload, size} of the first whole frame of b, or null.
function parseFrame(b) {
  if (b.length < 2) return null;
  const opcode = b[0] & 0x0f;
  const masked = (b[1] & 0x80) !== 0;
  let len = b[1] & 0x7f;
  let off = 2;
  if (len === 126) { if (b.length < 4) return null; len = b.readUInt16BE(2); off = 4; }
  else if (len === 127) { if (b.length < 10) return null; len = Number(b.readBigUInt64BE(2)); off = 10; }
  const maskOff = off;
  if (masked) off += 4;
  if (b.length < off + len) return null;
  const payload = Buffer.from(b.subarray(off, off + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= b[maskOff + (i & 3)];
  return { opcode, payload, size: off + len };
}

// frame builds an unmasked server frame.
function frame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n])
    : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff])
    : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const x = Buffer.alloc(8); x.writeBigUInt64BE(BigInt(n)); return x; })()]);
  return Buffer.concat([head, payload]);
}

server.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
