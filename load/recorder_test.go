package load

import (
	"net/http"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestHandleDoesNotAllocate: recording a result must not allocate, or a fast
// attack would spend its time in the garbage collector.
func TestHandleDoesNotAllocate(t *testing.T) {
	g := newGen(t, Config{BaseURL: "http://127.0.0.1:1"})
	ph, err := checkPhase(Phase{Model: ModelOpen, Rate: 1000, Duration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := g.newPhaseRun(ph)
	r.start = time.Now()
	res := &vegeta.Result{
		Code: 503, Error: "503 Service Unavailable", Method: "GET", URL: "http://127.0.0.1:1/",
		Headers: http.Header{InstanceHeader: {"app-1"}, "Content-Length": {"12"}},
	}
	var seq uint64
	r.handle(res) // first sight of the error kind and the instance
	allocs := testing.AllocsPerRun(1000, func() {
		seq++
		res.Seq = seq
		res.Timestamp = r.start.Add(time.Duration(seq) * time.Millisecond)
		res.Latency = time.Millisecond
		r.handle(res)
	})
	if allocs != 0 {
		t.Errorf("handle allocates %v times per result, want 0", allocs)
	}
}
