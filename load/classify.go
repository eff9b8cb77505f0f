package load

import (
	"strconv"
	"strings"
)

// Error kinds, as counted in results.Step.ErrorsByKind (besides "status_NNN").
const (
	kindTimeout = "timeout"
	kindRefused = "connection_refused"
	kindReset   = "connection_reset"
	kindOther   = "other"
)

// statusKinds holds "status_NNN" for every status code, so classifying a
// failed response does not allocate.
var statusKinds = func() [1000]string {
	var k [1000]string
	for i := range k {
		k[i] = "status_" + strconv.Itoa(i)
	}
	return k
}()

// classify returns "" for a success (a response with status 200–399), else
// the error kind of the result. vegeta leaves code 0 when no response
// arrived, and puts the transport error's text in errText.
func classify(code uint16, errText string) string {
	if code != 0 {
		if code >= 200 && code < 400 && errText == "" {
			return ""
		}
		if int(code) < len(statusKinds) {
			return statusKinds[code]
		}
		return kindOther
	}
	switch {
	case errText == "":
		return kindOther
	case strings.Contains(errText, "Client.Timeout"),
		strings.Contains(errText, "timeout"),
		strings.Contains(errText, "deadline exceeded"):
		return kindTimeout
	case strings.Contains(errText, "connection refused"):
		return kindRefused
	case strings.Contains(errText, "connection reset"),
		strings.Contains(errText, "broken pipe"),
		strings.Contains(errText, "EOF"),
		strings.Contains(errText, "server closed"):
		return kindReset
	default:
		return kindOther
	}
}
