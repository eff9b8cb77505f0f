package service

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
)

// TraceHeader is the W3C Trace Context header every request carries.
const TraceHeader = "Traceparent"

// TraceResponseHeader names the span that served a request in its
// response (W3C Trace Context level 2 `traceresponse`).
const TraceResponseHeader = "Traceresponse"

var traceparentRE = regexp.MustCompile(`^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$`)

// Trace is one span's place in a trace.
type Trace struct {
	// TraceID is 32 lower-case hex digits, shared by every span.
	TraceID string
	// SpanID is this span's 16 hex digits.
	SpanID string
	// Flags are the trace flags (01: sampled).
	Flags string
}

// ParseTraceparent reads a traceparent header value; ok is false when it
// is missing or malformed (then a new trace starts, as the spec says).
func ParseTraceparent(v string) (Trace, bool) {
	m := traceparentRE.FindStringSubmatch(v)
	if m == nil || m[1] == "ff" || m[2] == "00000000000000000000000000000000" || m[3] == "0000000000000000" {
		return Trace{}, false
	}
	return Trace{TraceID: m[2], SpanID: m[3], Flags: m[4]}, true
}

// FromRequest continues the caller's trace with a new span, or starts one.
func FromRequest(r *http.Request) Trace {
	if t, ok := ParseTraceparent(r.Header.Get(TraceHeader)); ok {
		return t.Child()
	}
	return NewTrace()
}

// NewTrace starts a trace (sampled).
func NewTrace() Trace {
	return Trace{TraceID: randomHex(16), SpanID: randomHex(8), Flags: "01"}
}

// Child is a new span of the same trace.
func (t Trace) Child() Trace {
	return Trace{TraceID: t.TraceID, SpanID: randomHex(8), Flags: t.Flags}
}

// String is the traceparent header value of the span.
func (t Trace) String() string { return "00-" + t.TraceID + "-" + t.SpanID + "-" + t.Flags }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b)
}
