// Package sessions is the reference app's login endpoints, for the
// stateless-sessions topology:
//
//	POST /login   form (user=…) or JSON ({"user":"…"}) → 200, JSON
//	              {"user","session"}, and the cookie sb_session
//	GET  /me      with the cookie → 200 {"user"}; unknown session → 401
//
// The session store is either Memory (a map in this process) or Redis
// (SET sb:session:ID user EX ttl). Behind a round-robin balancer with
// several replicas, a memory session is only known to the replica that
// created it, so /me fails with 401 whenever it lands on another one;
// with Redis every replica knows every session. A Redis failure is a 503,
// never a 401: the two must not be confused in the results.
package sessions
