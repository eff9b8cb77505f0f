package load

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// maxInstanceNames bounds a worker's table of instance names; past it a
// new name costs one allocation per response instead of none.
const maxInstanceNames = 1024

// fastWorker is one of the fast engine's workers: one request at a time,
// on requests and a response of its own that are reused for every hit.
type fastWorker struct {
	a     *fastAttack
	reqs  []*fasthttp.Request // one per Config.Requests entry
	resp  fasthttp.Response
	names map[string]string // X-Scalebench-Instance values seen, interned
}

// newWorker builds the worker's requests from the picker's targets.
func (a *fastAttack) newWorker() *fastWorker {
	w := &fastWorker{a: a, names: make(map[string]string)}
	for _, t := range a.r.picker.targets {
		req := new(fasthttp.Request)
		req.SetRequestURI(t.URL)
		req.Header.SetMethod(t.Method)
		for k, vs := range t.Header {
			for _, v := range vs {
				if http.CanonicalHeaderKey(k) == "Host" {
					req.UseHostHeader = true
					req.Header.SetHost(v)
					continue
				}
				req.Header.Add(k, v)
			}
		}
		if len(t.Body) > 0 {
			req.SetBodyRaw(t.Body)
		}
		w.reqs = append(w.reqs, req)
	}
	return w
}

// hit sends the next request (hit number seq of the open-model schedule;
// unused in the closed model) and records its outcome.
func (w *fastWorker) hit(seq uint64) {
	a, r := w.a, w.a.r
	i := r.picker.pick()
	req := w.reqs[i]
	sent := time.Since(r.start)
	err := a.client.DoTimeout(req, &w.resp, a.timeout)
	o := outcome{
		intended: sent,
		sent:     sent,
		end:      time.Since(r.start),
		bytesOut: uint64(len(req.Body())),
		request:  i,
	}
	if r.open {
		o.intended = r.sched.due(seq)
	}
	var (
		code uint16
		h    http.Header
	)
	if err != nil {
		o.kind = classifyErr(err)
	} else {
		code = uint16(w.resp.StatusCode())
		o.kind = classify(code, "")
		o.bytesIn = uint64(len(w.resp.Body()))
		o.instance = w.instance(w.resp.Header.Peek(InstanceHeader))
		if a.meter {
			h = headerOf(&w.resp.Header)
		}
	}
	a.mu.Lock()
	r.completed++
	if !r.interrupted {
		r.record(&o, code, h)
	}
	a.mu.Unlock()
}

// instance returns b as a string, without allocating for a name seen
// before.
func (w *fastWorker) instance(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := w.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(w.names) < maxInstanceNames {
		w.names[s] = s
	}
	return s
}

// headerOf copies a response's headers for a Meter (only when one is set:
// it allocates).
func headerOf(rh *fasthttp.ResponseHeader) http.Header {
	h := make(http.Header)
	for k, v := range rh.All() {
		h.Add(string(k), string(v))
	}
	return h
}

// retryClosedIdle is the fast engine's retry rule: one more attempt for an
// idempotent request whose connection the server closed before the first
// byte of a response, which is what happens when a kept-alive connection
// was closed by the server while idle. net/http retries the same case.
// fastRetries bounds the attempts of one idempotent request on closed
// kept-alive connections.
const fastRetries = 5

func retryClosedIdle(req *fasthttp.Request, attempts int, err error) (resetTimeout, retry bool) {
	h := &req.Header
	idempotent := h.IsGet() || h.IsHead() || h.IsPut() || h.IsDelete() || h.IsOptions()
	// A kept-alive connection the server closed or reset before answering
	// (an nginx reload, a replaced upstream): net/http resends such a
	// request too. net/http notices dead idle connections in the
	// background; fasthttp finds them only by using them, and a reload
	// kills every idle one at once, so several may be tried in a row.
	closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, fasthttp.ErrConnectionClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	return false, idempotent && closed && attempts < fastRetries
}

// classifyErr returns the error kind of a request that got no response
// under the fast engine: the same kinds classify gives net/http's errors.
func classifyErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout),
		errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return kindTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return kindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, fasthttp.ErrConnectionClosed), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return kindReset
	}
	return classify(0, err.Error())
}
