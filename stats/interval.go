package stats

import (
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/scalebench/scalebench/results"
)

// Interval methods (docs/statistics.md). Requests in a step are not
// independent — a slow second makes its neighbours slow too — so every
// interval here is made by sectioning: the estimate comes from the whole
// step, its spread from estimates over batches of consecutive seconds
// (and over trials), with Student's t on the number of batches; latency
// percentiles on the log scale.

// Tuning of the interval methods.
const (
	// Level is the confidence level of every interval.
	Level = 0.95
	// MaxBatches caps the batches a step is cut into: fewer, longer
	// batches are less alike than many short ones.
	MaxBatches = 10
	// TailPerBatch is how many requests beyond a percentile each batch
	// must hold for its own estimate of that percentile to mean anything:
	// a batch for p99 holds at least TailPerBatch/(1-0.99) requests.
	TailPerBatch = 5
	// RunToRunSD is the standard deviation, on the log scale, by which a
	// latency percentile moves between runs of the same step on the same
	// machine beyond what its batches show: minutes apart the machine's
	// state (timers, caches, frequency, placement) differs, and no
	// interval computed from within one run can see that. It enters every
	// latency interval in quadrature with the batch spread, divided by the
	// number of trials pooled. Calibrated with scripts/coverage.sh, which
	// prints the run-to-run spread it observes (docs/statistics.md).
	RunToRunSD = 0.03
)

// T is the two-sided Student's t critical value at Level for df degrees
// of freedom.
func T(df int) float64 {
	if df < 1 {
		return math.Inf(1)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(1 - (1-Level)/2)
}

// Sectioning is the interval whole ± t·S/√b, where S² is the spread of the
// b batch estimates around the whole-sample estimate (Asmussen & Glynn's
// sectioning, which keeps the estimate of the whole and so the bias of
// small batches only widens the interval). ok is false with fewer than
// two batches: there is no spread to measure.
func Sectioning(whole float64, batches []float64) (iv results.Interval, ok bool) {
	b := len(batches)
	if b < 2 {
		return results.Interval{whole, whole}, false
	}
	var ss float64
	for _, x := range batches {
		ss += (x - whole) * (x - whole)
	}
	half := T(b-1) * math.Sqrt(ss/float64(b-1)/float64(b))
	return results.Interval{whole - half, whole + half}, true
}

// Hull is the smallest interval holding both a and b.
func Hull(a, b results.Interval) results.Interval {
	return results.Interval{min(a[0], b[0]), max(a[1], b[1])}
}

// MinBatchRequests is how many requests a batch needs for percentile q
// (0..100) to have TailPerBatch requests beyond it.
func MinBatchRequests(q float64) uint64 {
	return uint64(math.Ceil(TailPerBatch / (1 - q/100)))
}

// batch is a run of consecutive sections of one trial.
type batch struct {
	secs []results.Section
}

func (b batch) sum(f func(results.Section) float64) float64 {
	var s float64
	for _, x := range b.secs {
		s += f(x)
	}
	return s
}

// Batches groups consecutive sections of the same trial into at most
// MaxBatches batches of at least minRequests requests each. A trial's
// remainder joins its last batch; a trial with fewer than minRequests in
// all forms no batch. The result holds indices into secs, one slice per
// batch.
func Batches(secs []results.Section, minRequests uint64) [][]int {
	var total uint64
	for _, s := range secs {
		total += s.Requests
	}
	target := max(minRequests, total/MaxBatches, 1)
	var out [][]int
	for lo := 0; lo < len(secs); {
		hi := lo
		for hi < len(secs) && secs[hi].Trial == secs[lo].Trial {
			hi++
		}
		out = append(out, trialBatches(secs, lo, hi, target, minRequests)...)
		lo = hi
	}
	return out
}

// trialBatches cuts secs[lo:hi], one trial, into batches of target requests.
func trialBatches(secs []results.Section, lo, hi int, target, minRequests uint64) [][]int {
	var out [][]int
	var cur []int
	var n uint64
	for i := lo; i < hi; i++ {
		cur = append(cur, i)
		n += secs[i].Requests
		if n >= target {
			out = append(out, cur)
			cur, n = nil, 0
		}
	}
	switch {
	case len(cur) == 0:
	case len(out) > 0:
		out[len(out)-1] = append(out[len(out)-1], cur...)
	case n >= minRequests && n > 0:
		out = append(out, cur)
	}
	return out
}

func pick(secs []results.Section, idx []int) batch {
	b := batch{secs: make([]results.Section, len(idx))}
	for i, j := range idx {
		b.secs[i] = secs[j]
	}
	return b
}

// QuantileCI is the interval of percentile q (0..100) estimated as whole
// (ms) over the step, from the batch estimates of q over secs' latency
// histograms (µs). ok is false when the step is too short for two batches
// of MinBatchRequests(q).
func QuantileCI(secs []results.Section, q, whole float64) (results.Interval, bool) {
	lat := withLatency(secs)
	var est []float64
	for _, idx := range Batches(lat, MinBatchRequests(q)) {
		h := mergeLatency(pick(lat, idx))
		if h.TotalCount() == 0 {
			continue
		}
		est = append(est, float64(h.ValueAtQuantile(q))/1000)
	}
	return logSectioning(whole, est, RunToRunSD*RunToRunSD/float64(trialCount(lat)))
}

// trialCount is the number of distinct trials secs come from (at least 1).
func trialCount(secs []results.Section) int {
	seen := map[int]bool{}
	for _, s := range secs {
		seen[s.Trial] = true
	}
	return max(len(seen), 1)
}

// logSectioning is Sectioning on the logarithms, mapped back: latency
// varies by factors (a slow second is twice as slow, not 2 ms slower), so
// its interval is asymmetric and never reaches below zero. drift is a
// variance on the log scale that the batches cannot show (RunToRunSD²/k)
// and widens the interval in quadrature; 0 when est are whole runs, whose
// spread already holds it. With a value that is not positive it falls
// back to Sectioning, floored at 0.
func logSectioning(whole float64, est []float64, drift float64) (results.Interval, bool) {
	positive := whole > 0
	logs := make([]float64, len(est))
	for i, x := range est {
		positive = positive && x > 0
		logs[i] = math.Log(x)
	}
	if !positive {
		iv, ok := Sectioning(whole, est)
		iv[0] = max(iv[0], 0)
		return iv, ok
	}
	iv, ok := Sectioning(math.Log(whole), logs)
	if ok && drift > 0 {
		z := distuv.UnitNormal.Quantile(1 - (1-Level)/2)
		h := (iv[1] - iv[0]) / 2
		h = math.Sqrt(h*h + z*z*drift)
		iv = results.Interval{math.Log(whole) - h, math.Log(whole) + h}
	}
	// A handful of wildly different batches can put the upper bound past
	// anything measurable (the histograms' ceiling, 1 h): that is no
	// interval at all, and is reported as not enough data.
	if math.Exp(iv[1]) > maxLatencyMs {
		return results.Interval{whole, whole}, false
	}
	return results.Interval{math.Exp(iv[0]), math.Exp(iv[1])}, ok
}

// maxLatencyMs is the highest latency a histogram records (1 h), in ms.
const maxLatencyMs = 3_600_000

func withLatency(secs []results.Section) []results.Section {
	out := make([]results.Section, 0, len(secs))
	for _, s := range secs {
		if s.Latency != nil {
			out = append(out, s)
		}
	}
	return out
}

func mergeLatency(b batch) *hdrhistogram.Histogram {
	var h *hdrhistogram.Histogram
	for _, s := range b.secs {
		if h == nil {
			h = hdrhistogram.New(s.Latency.LowestTrackableValue(), s.Latency.HighestTrackableValue(), int(s.Latency.SignificantFigures()))
		}
		h.Merge(s.Latency)
	}
	if h == nil {
		h = hdrhistogram.New(1, 2, 1)
	}
	return h
}

// RatioCI is the interval of a ratio estimated as whole over the step,
// from the batch ratios num/den over secs (batches of at least minDen in
// den's unit are not required: every batch of MinBatches seconds counts).
func RatioCI(secs []results.Section, whole float64, num, den func(results.Section) float64) (results.Interval, bool) {
	var est []float64
	for _, idx := range Batches(secs, 1) {
		b := pick(secs, idx)
		if d := b.sum(den); d > 0 {
			est = append(est, b.sum(num)/d)
		}
	}
	return Sectioning(whole, est)
}

// Wilson is the Wilson score interval of a proportion of k in n, the
// floor under an error-rate interval: batches with no error at all have
// no spread, yet zero errors in n requests does not prove a rate of 0.
func Wilson(k, n uint64) results.Interval {
	if n == 0 {
		return results.Interval{0, 1}
	}
	z := distuv.UnitNormal.Quantile(1 - (1-Level)/2)
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/fn
	c := (p + z*z/(2*fn)) / den
	h := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	return results.Interval{max(c-h, 0), min(c+h, 1)}
}
