package wsload

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server that closes every handshake delivers nothing: the step is
// invalid with the reason and its delivery ratio is 0, not "100%"
// (issue 10, finding 13).
func TestServerClosingEveryHandshakeIsInvalid(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	cfg := fixed("ws" + strings.TrimPrefix(srv.URL, "http") + "/ws")
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st := res.Steps[0].ResultsStep(cfg.MessageRate)
	if st.Valid || st.WebSocket.DeliveryRatio != 0 || !strings.Contains(strings.Join(st.Warnings, "|"), "no connection opened") {
		t.Errorf("valid %v, delivery ratio %v, warnings %q; want invalid, 0, \"no connection opened\"", st.Valid, st.WebSocket.DeliveryRatio, st.Warnings)
	}
}
