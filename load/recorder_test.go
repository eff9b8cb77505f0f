package load

import (
	"fmt"
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

// TestInstancesAreBounded: a target that names a new instance in every
// response cannot make a step grow per request.
func TestInstancesAreBounded(t *testing.T) {
	rec := newRecorder(0, 0, time.Second, 1)
	for i := range maxInstances + 500 {
		rec.record(&outcome{instance: fmt.Sprintf("id-%d", i)}, false)
	}
	rec.record(&outcome{instance: "id-0"}, false)
	if len(rec.instances) != maxInstances+1 || rec.instances[InstancesOther] != 500 || rec.instances["id-0"] != 2 {
		t.Errorf("instances: %d names, %d other, id-0 %d; want %d, 500, 2", len(rec.instances), rec.instances[InstancesOther], rec.instances["id-0"], maxInstances+1)
	}
}
