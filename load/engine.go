package load

import (
	"fmt"
	"net/url"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Engines: the HTTP client that sends the requests of a phase. Both sit
// behind the same pacing, recording and validity checks; they differ only in
// how a request goes out and its response comes back.
const (
	// EngineAuto picks EngineFast for a plain http:// target and
	// EngineNetHTTP otherwise (see resolveEngine).
	EngineAuto = "auto"
	// EngineNetHTTP sends through vegeta's attacker and net/http.
	EngineNetHTTP = "nethttp"
	// EngineFast sends through fasthttp's HostClient, HTTP/1.1 only, with
	// workers of scalebench's own (fast.go).
	EngineFast = "fast"
)

// Engines lists the accepted values of Config.Engine ("" is EngineAuto).
func Engines() []string { return []string{EngineAuto, EngineNetHTTP, EngineFast} }

// resolveEngine returns the engine that will run for name against base, or
// an error when name is unknown or the engine cannot serve base.
//
// The fast engine serves plain HTTP/1.1 only. auto keeps net/http for
// https:// targets, so certificate checks, session resumption and ALPN
// behave as with Go's standard client (fasthttp's TLS path, with no ALPN by
// default, has not been checked against TLS targets). HTTP/2 (h2c or over
// TLS) is net/http only as well. Flows (load/flow, cookie jars) and WebSocket
// (load/wsload) have generators of their own and do not use this choice.
func resolveEngine(name string, base *url.URL) (string, error) {
	switch name {
	case "", EngineAuto:
		if base.Scheme == "http" {
			return EngineFast, nil
		}
		return EngineNetHTTP, nil
	case EngineNetHTTP:
		return EngineNetHTTP, nil
	case EngineFast:
		if base.Scheme != "http" {
			return "", fmt.Errorf("engine %q serves plain http:// targets only; use %q or %q for %s", EngineFast, EngineNetHTTP, EngineAuto, base.Scheme)
		}
		return EngineFast, nil
	default:
		return "", fmt.Errorf("engine must be one of %q, %q or %q, got %q", EngineAuto, EngineNetHTTP, EngineFast, name)
	}
}

// Engine is the engine this generator runs (EngineNetHTTP or EngineFast,
// never EngineAuto).
func (g *Generator) Engine() string { return g.engine }

// attack is what the consumer needs of a running attack, whatever the
// engine.
type attack interface {
	// stop hands out no more hits; requests in flight finish (bounded by
	// the request timeout).
	stop()
	// abort stops and also closes every connection, so requests in flight
	// end at once.
	abort()
}

// vegetaAttack adapts a vegeta.Attacker and its connections.
type vegetaAttack struct {
	atk   *vegeta.Attacker
	conns *connSet
}

func (a vegetaAttack) stop() { a.atk.Stop() }

func (a vegetaAttack) abort() {
	a.atk.Stop()
	a.conns.closeAll()
}

// noLock is the consumer's lock under the vegeta engine, where the
// consumer alone touches the phase's state.
type noLock struct{}

func (noLock) Lock()   {}
func (noLock) Unlock() {}

var _ sync.Locker = noLock{}

// idleConnTimeout is how long the fast engine keeps an unused connection;
// its pool cleaner also ends at most this long after a phase.
const idleConnTimeout = 5 * time.Second
