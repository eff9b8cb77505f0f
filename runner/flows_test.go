package runner

import (
	"testing"
	"time"

	"github.com/scalebench/scalebench/results"
)

func TestAttachCPUUsesTheSamplesAtEachSlicesEdges(t *testing.T) {
	secs := []results.Section{{StartS: 0, Seconds: 1}, {StartS: 1, Seconds: 1}, {StartS: 2, Seconds: 1}, {StartS: 3, Seconds: 0.4}}
	marks := []cpuMark{{0, 10}, {1010 * time.Millisecond, 10.5}, {1990 * time.Millisecond, 11.25}, {2600 * time.Millisecond, 11.5}}
	attachCPU(secs, marks)
	want := []struct {
		cpu   float64
		known bool
	}{{0.5, true}, {0.75, true}, {0, false}, {0, false}}
	for i, w := range want {
		if secs[i].CPUKnown != w.known || secs[i].CPUSeconds != w.cpu {
			t.Errorf("slice %d: cpu %v known %v, want %v %v", i, secs[i].CPUSeconds, secs[i].CPUKnown, w.cpu, w.known)
		}
	}
}
