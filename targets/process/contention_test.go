package process

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalebench/scalebench/targets"
)

// The serial section of /work is shared by every replica of a target: the
// driver passes them one lock file. Four requests holding it 150 ms each,
// sent at once through the balancer to two replicas, take at least 600 ms
// in all (without the shared lock, two would run side by side: ~300 ms).
func TestSerialSectionSharedAcrossReplicas(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: "go", GOMAXPROCS: 1})
	start := time.Now()
	var wg sync.WaitGroup
	seen := map[string]int{}
	var mu sync.Mutex
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(dep.Endpoint() + "/work?cpu=0&serial=150ms")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			seen[resp.Header.Get("X-Scalebench-Instance")]++
			mu.Unlock()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if len(seen) < 2 {
		t.Fatalf("responses per instance %v: want both replicas to serve", seen)
	}
	if got := time.Since(start); got < 600*time.Millisecond {
		t.Errorf("4 × 150 ms in the shared section took %v: the replicas did not share it", got)
	}
	if env := strings.Join(dep.appEnv(), " "); !strings.Contains(env, "SCALEBENCH_PEERS=2") {
		t.Errorf("app environment lacks SCALEBENCH_PEERS=2")
	}
}
