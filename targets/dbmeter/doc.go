// Package dbmeter is the measurement contract between the reference
// app's database endpoints (app/db) and the orchestrator: the
// response headers the app sets, and a Meter that reads them on the load
// generator's side. Neither side imports the other; both import this.
//
// Stale reads are counted here, on the generator's side, because only the
// client knows when a write was acknowledged. A Tracker, shared by every
// step of a target, remembers for each key the newest version whose write
// the client has seen acknowledged (POST /user/{id} answers
// HeaderVersion) and when. A read (GET /user/{id}) of that key whose
// database read began (HeaderReadAt, the app's clock; the app and the
// generator share the machine's clock) after that acknowledgement and
// returned an older HeaderVersion is a stale read: it did not see a write
// that had already happened. Acknowledgements are stamped when the
// generator handles the response, a little after it arrived, so borderline
// reads are not counted: the figure is a lower bound, never inflated.
package dbmeter
