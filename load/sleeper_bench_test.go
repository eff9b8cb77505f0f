package load

import (
	"sort"
	"testing"
	"time"
)

// BenchmarkSleepOvershoot compares the pacer's sleep (a timerfd read
// through the network poller) with nanosleep(2): each op sleeps 500 µs; it
// reports how late the sleeper woke, p50 and p99.
func BenchmarkSleepOvershoot(b *testing.B) {
	const d = 500 * time.Microsecond
	sl := newSleeper()
	defer sl.close()
	for _, c := range []struct {
		name  string
		sleep func(time.Duration)
	}{{"timerfd", sl.sleep}, {"nanosleep", preciseSleep}} {
		b.Run(c.name, func(b *testing.B) {
			over := make([]time.Duration, 0, b.N)
			for range b.N {
				t0 := time.Now()
				c.sleep(d)
				over = append(over, time.Since(t0)-d)
			}
			sort.Slice(over, func(i, j int) bool { return over[i] < over[j] })
			b.ReportMetric(float64(over[len(over)/2])/1e3, "late-p50-µs")
			b.ReportMetric(float64(over[len(over)*99/100])/1e3, "late-p99-µs")
		})
	}
}
