// Package nginx writes the nginx configuration scalebench's balancers run
// with. Both drivers use it (targets/process for a local nginx,
// targets/docker for an nginx container), so a balanced target is proxied
// the same way whichever driver starts it: upstream keepalive, and the
// WebSocket upgrade on /ws.
package nginx
