package capacity

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/optimize"
)

// Point is one measured size of a sweep: N instances held Rate (req/s),
// with the capacity search's interval [Lo, Hi] around it (0, 0: none).
type Point struct {
	N      float64
	Rate   float64
	Lo, Hi float64
}

// USL is the Universal Scalability Law, X(N) = λN / (1 + σ(N−1) + κN(N−1)):
// Lambda is the throughput of one instance without overhead, Sigma the
// share of work serialised (contention), Kappa the cost of keeping
// instances coherent (crosstalk), which makes throughput fall past a peak.
type USL struct {
	Sigma, Kappa, Lambda float64
}

// X is the modelled throughput at n instances.
func (u USL) X(n float64) float64 {
	return u.Lambda * n / (1 + u.Sigma*(n-1) + u.Kappa*n*(n-1))
}

// Peak is the size N* = √((1−σ)/κ) at which throughput peaks, at least 1
// (with σ = 1 a second instance never helps); +Inf when κ is 0 (or below
// minKappa: throughput only levels off).
func (u USL) Peak() float64 {
	if u.Kappa < minKappa {
		return math.Inf(1)
	}
	return math.Max(math.Sqrt(math.Max(1-u.Sigma, 0)/u.Kappa), 1)
}

// minKappa is the κ below which the model has no peak worth naming (it
// would lie beyond 10⁴ instances).
const minKappa = 1e-8

// Fit is a USL fitted to a sweep, with 95% bootstrap intervals.
type Fit struct {
	USL
	// R2 is the coefficient of determination of the fit.
	R2 float64
	// SigmaCI, KappaCI, LambdaCI, R2CI are 95% bootstrap intervals.
	SigmaCI, KappaCI, LambdaCI, R2CI [2]float64
	// Points are the measurements fitted.
	Points []Point
	// Replicates are the bootstrap fits (for bands and sizing intervals).
	Replicates []USL
}

// Bootstrap settings: fixed, so the same sweep always gives the same fit.
const (
	bootstrapN    = 400
	bootstrapSeed = 12
)

// ErrTooFewSizes is returned when a sweep has fewer than three sizes: the
// USL has three parameters.
var ErrTooFewSizes = errors.New("a USL fit needs at least three sizes with a measured capacity")

// FitUSL fits the USL to the points by nonlinear least squares on relative
// errors (a capacity search's resolution is relative), with σ in [0, 1]
// and κ ≥ 0. The intervals come from a bootstrap: each replicate draws
// every capacity uniformly inside its search interval and adds a resampled
// relative residual of the fit, then is fitted again.
func FitUSL(points []Point) (Fit, error) {
	pts := usable(points)
	if len(pts) < 3 {
		return Fit{}, ErrTooFewSizes
	}
	best := fitOnce(pts)
	f := Fit{USL: best, R2: r2(best, pts), Points: pts}
	resid := make([]float64, len(pts))
	inflate := math.Sqrt(float64(len(pts)) / float64(max(len(pts)-3, 1)))
	for i, p := range pts {
		resid[i] = (p.Rate - best.X(p.N)) / p.Rate * inflate
	}
	rng := rand.New(rand.NewPCG(bootstrapSeed, uint64(len(pts))))
	var sig, kap, lam, rr []float64
	for range bootstrapN {
		rep := make([]Point, len(pts))
		for i, p := range pts {
			x := p.Rate
			if p.Hi > p.Lo && p.Lo > 0 {
				x = p.Lo + rng.Float64()*(p.Hi-p.Lo)
			}
			rep[i] = Point{N: p.N, Rate: math.Max(x*(1+resid[rng.IntN(len(resid))]), 1e-9)}
		}
		u := fitOnce(rep)
		f.Replicates = append(f.Replicates, u)
		sig, kap, lam = append(sig, u.Sigma), append(kap, u.Kappa), append(lam, u.Lambda)
		rr = append(rr, r2(u, rep))
	}
	f.SigmaCI, f.KappaCI = cover(interval(sig), f.Sigma), cover(interval(kap), f.Kappa)
	f.LambdaCI, f.R2CI = cover(interval(lam), f.Lambda), cover(interval(rr), f.R2)
	return f, nil
}

// cover widens iv to include the estimate x. The fit uses each size's
// confirmed capacity — the low end of its search interval — while the
// bootstrap draws inside the interval, so the estimate is conservative and
// may sit just below the bootstrap's range; the interval reported covers
// both.
func cover(iv [2]float64, x float64) [2]float64 {
	return [2]float64{math.Min(iv[0], x), math.Max(iv[1], x)}
}

// usable keeps points with a size and a capacity, sorted by size.
func usable(points []Point) []Point {
	var out []Point
	for _, p := range points {
		if p.N >= 1 && p.Rate > 0 {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N < out[j].N })
	return out
}

// fitOnce finds σ and κ by Nelder–Mead from the best of a small grid of
// starts; for given σ and κ the best λ has a closed form.
func fitOnce(pts []Point) USL {
	cost := func(x []float64) float64 {
		u := lambdaFor(paramsOf(x), pts)
		return relSSE(u, pts)
	}
	start, bestCost := []float64{0, 0}, math.Inf(1)
	for _, s := range []float64{0, 0.02, 0.1, 0.3, 0.7} {
		for _, k := range []float64{0, 0.001, 0.01, 0.05, 0.2} {
			if c := cost([]float64{s, k}); c < bestCost {
				start, bestCost = []float64{s, k}, c
			}
		}
	}
	best := lambdaFor(paramsOf(start), pts)
	res, err := optimize.Minimize(optimize.Problem{Func: cost}, start,
		&optimize.Settings{FuncEvaluations: 4000}, &optimize.NelderMead{SimplexSize: 0.02})
	if err == nil || res != nil {
		if res != nil && res.F <= bestCost {
			best = lambdaFor(paramsOf(res.X), pts)
		}
	}
	return best
}

// paramsOf maps the optimiser's free coordinates onto σ ∈ [0, 1], κ ≥ 0.
func paramsOf(x []float64) USL {
	return USL{Sigma: math.Min(math.Abs(x[0]), 1), Kappa: math.Abs(x[1])}
}

// lambdaFor sets the λ that minimises the relative squared error for u's
// σ and κ: with g = X(N)/λ, λ = Σ(g/x) / Σ(g/x)².
func lambdaFor(u USL, pts []Point) USL {
	var num, den float64
	for _, p := range pts {
		g := p.N / (1 + u.Sigma*(p.N-1) + u.Kappa*p.N*(p.N-1)) / p.Rate
		num += g
		den += g * g
	}
	if den > 0 {
		u.Lambda = num / den
	}
	return u
}

func relSSE(u USL, pts []Point) float64 {
	var s float64
	for _, p := range pts {
		d := (p.Rate - u.X(p.N)) / p.Rate
		s += d * d
	}
	return s
}

// r2 is 1 − SS_res/SS_tot on the rates themselves.
func r2(u USL, pts []Point) float64 {
	var mean float64
	for _, p := range pts {
		mean += p.Rate
	}
	mean /= float64(len(pts))
	var res, tot float64
	for _, p := range pts {
		res += (p.Rate - u.X(p.N)) * (p.Rate - u.X(p.N))
		tot += (p.Rate - mean) * (p.Rate - mean)
	}
	if tot == 0 {
		return 1
	}
	return 1 - res/tot
}

// interval is the 2.5th–97.5th percentile range of xs.
func interval(xs []float64) [2]float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return [2]float64{quantile(s, 0.025), quantile(s, 0.975)}
}

// quantile of sorted s by linear interpolation; +Inf values sort last.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	if math.IsInf(s[i+1], 1) {
		return s[i+1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

// Band is the 95% bootstrap band of the modelled throughput at n.
func (f Fit) Band(n float64) (lo, hi float64) {
	xs := make([]float64, len(f.Replicates))
	for i, u := range f.Replicates {
		xs[i] = u.X(n)
	}
	iv := cover(interval(xs), f.X(n))
	return iv[0], iv[1]
}

// PeakCI is the 95% interval of N* (+Inf when a replicate has no peak).
func (f Fit) PeakCI() [2]float64 {
	xs := make([]float64, len(f.Replicates))
	for i, u := range f.Replicates {
		xs[i] = u.Peak()
	}
	return cover(interval(xs), f.Peak())
}
