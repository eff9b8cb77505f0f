package load

import (
	"testing"
	"time"
)

func TestTimelineBoundedAndComplete(t *testing.T) {
	// Three hours at 10 requests a second, one failing in ten: more than
	// twice the cap, so the points are merged twice (interval 4 s).
	tl := newTimeline(maxPoints)
	const seconds, perSecond = 3 * 3600, 10
	for s := 0; s < seconds; s++ {
		for i := 0; i < perSecond; i++ {
			at := time.Duration(s)*time.Second + time.Duration(i)*100*time.Millisecond
			kind := ""
			if i == 9 {
				kind = "timeout"
			}
			tl.record(at, int64(1000+i*100), kind)
		}
		if len(tl.points) > maxPoints {
			t.Fatalf("after %d s: %d points, want ≤ %d", s, len(tl.points), maxPoints)
		}
	}
	pts := tl.result()
	if len(pts) > maxPoints {
		t.Errorf("len(points) = %d, want ≤ %d", len(pts), maxPoints)
	}
	if got, want := tl.interval, 4*time.Second; got != want {
		t.Errorf("interval = %v, want %v", got, want)
	}
	var reqs, errs uint64
	for _, p := range pts {
		reqs += p.Requests
		errs += p.Errors
	}
	if reqs != seconds*perSecond || errs != seconds {
		t.Errorf("requests, errors = %d, %d, want %d, %d", reqs, errs, seconds*perSecond, seconds)
	}
	if got, want := pts[1].T, 4.0; got != want {
		t.Errorf("points[1].T = %v, want %v", got, want)
	}
	if p := pts[0]; p.P99 < 1.8 || p.P99 > 1.95 || p.Max < 1.89 || p.CPU != -1 {
		t.Errorf("points[0] = %+v, want p99 ≈ 1.9 ms, max ≈ 1.9 ms, cpu -1", p)
	}
}

func TestTimelineGapsAndResources(t *testing.T) {
	tl := newTimeline(maxPoints)
	tl.record(200*time.Millisecond, 500, "")
	tl.resources(500*time.Millisecond, 0.5, 100)
	tl.resources(1500*time.Millisecond, 1.5, 300) // second 1 has no requests
	tl.record(3100*time.Millisecond, 2000, "timeout")
	pts := tl.result()
	if len(pts) != 4 {
		t.Fatalf("len(points) = %d, want 4: %+v", len(pts), pts)
	}
	if pts[0].CPU != 0.5 || pts[0].RSSBytes != 100 || pts[1].CPU != 1.5 || pts[1].Requests != 0 || pts[2].CPU != -1 {
		t.Errorf("points = %+v", pts)
	}
	if pts[3].Requests != 1 || pts[3].Errors != 1 || pts[3].Max != 2 {
		t.Errorf("points[3] = %+v, want 1 request, 1 error, max 2 ms", pts[3])
	}
}
