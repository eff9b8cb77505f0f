package load

import (
	"net/http"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// newAttacker returns a single-use vegeta.Attacker for one phase: workers and
// connections capped at workers (uncapped vegeta spawns a worker per tick
// when none is free and runs away), bodies discarded unread-into-memory,
// HTTP/1.1 with keep-alive, no proxy, redirects not followed (a 3xx is a
// response, and following it would send a request off the schedule), and
// dialling through conns so a cancelled phase can abort requests in flight.
func (g *Generator) newAttacker(conns *connSet, workers int) *vegeta.Attacker {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         conns.dial,
		MaxIdleConnsPerHost: workers,
		MaxConnsPerHost:     workers,
		ForceAttemptHTTP2:   false,
	}
	return vegeta.NewAttacker(
		// Client must come first: the options below configure its transport.
		vegeta.Client(&http.Client{Transport: tr}),
		vegeta.Workers(uint64(workers)),
		vegeta.MaxWorkers(uint64(workers)),
		vegeta.Connections(workers),
		vegeta.MaxConnections(workers),
		vegeta.KeepAlive(true),
		vegeta.HTTP2(false),
		vegeta.MaxBody(0),
		vegeta.Timeout(g.cfg.Timeout),
		vegeta.Redirects(vegeta.NoFollow),
	)
}
