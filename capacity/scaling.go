package capacity

import (
	"fmt"
	"math"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// Scaling builds one results.Scaling per sweep in run: the targets with
// the same Sweep, in size order, their capacities fitted with the USL and,
// when targetRate > 0, sized for it. It reads only stored results.
func Scaling(run *results.Run, targetRate float64) []results.Scaling {
	var out []results.Scaling
	index := map[string]int{}
	for i := range run.Targets {
		t := &run.Targets[i]
		if t.Sweep == "" {
			continue
		}
		k, ok := index[t.Sweep]
		if !ok {
			k = len(out)
			index[t.Sweep] = k
			out = append(out, results.Scaling{Target: t.Sweep, Topology: t.Topology, Dimension: dimension(t.Topology)})
		}
		addSize(&out[k], t)
	}
	p99 := 0.0
	if run.SLO != nil {
		p99 = run.SLO.P99Ms
	}
	for i := range out {
		fitSweep(&out[i], targetRate, p99)
	}
	return out
}

func dimension(topology string) string {
	if topology == "cluster" {
		return "workers"
	}
	return "replicas"
}

// addSize adds one variant's capacity to its sweep, or why it has none.
func addSize(s *results.Scaling, t *results.Target) {
	switch {
	case t.Status == results.StatusSkipped:
		s.Skipped = append(s.Skipped, fmt.Sprintf("%d: %s", t.SweepSize, t.Error))
		return
	case t.CapacityRate <= 0:
		why := t.Error
		if why == "" {
			why = "no capacity measured (no probe passed)"
		}
		s.Skipped = append(s.Skipped, fmt.Sprintf("%d: %s", t.SweepSize, why))
		return
	}
	if t.Deployment.CPUBudget > 0 {
		s.CPUBudget = t.Deployment.CPUBudget
	}
	iv := results.Interval{t.CapacityRate, t.CapacityRate}
	if t.CapacityInterval != nil && t.CapacityInterval.Hi() > 0 {
		iv = *t.CapacityInterval
	}
	s.Instances = append(s.Instances, t.SweepSize)
	s.CapacityRate = append(s.CapacityRate, t.CapacityRate)
	s.CapacityInterval = append(s.CapacityInterval, iv)
	if t.CPUFit != nil && t.CPUFit.Oversubscribed {
		s.Warnings = append(s.Warnings, fmt.Sprintf("size %d oversubscribed the CPUs (%.2f asked, %g available): its capacity is lower than on its own CPUs", t.SweepSize, t.CPUFit.RequestedCPUs, t.CPUFit.AvailableCPUs))
	}
	if t.Search != nil && t.Search.LowerBound {
		s.Warnings = append(s.Warnings, fmt.Sprintf("size %d: capacity %s req/s is only a lower bound (%s)", t.SweepSize, fmtRate(t.CapacityRate), t.Search.Stop))
	}
}

// Points returns a sweep's measured sizes as fit input.
func Points(s results.Scaling) []Point {
	pts := make([]Point, len(s.Instances))
	for i, n := range s.Instances {
		pts[i] = Point{N: float64(n), Rate: s.CapacityRate[i]}
		if i < len(s.CapacityInterval) && s.CapacityInterval[i].Hi() > 0 {
			pts[i].Lo, pts[i].Hi = s.CapacityInterval[i].Lo(), s.CapacityInterval[i].Hi()
		}
	}
	return pts
}

// fitSweep fits the USL to a sweep and sizes it for targetRate.
func fitSweep(s *results.Scaling, targetRate, p99 float64) {
	f, err := FitUSL(Points(*s))
	if err != nil {
		s.Warnings = append(s.Warnings, fmt.Sprintf("no scaling model: %v (measured %d)", err, len(s.Instances)))
		s.Summary = fmt.Sprintf("%s: %s", s.Target, measuredText(*s))
		return
	}
	s.USL = &results.USLFit{Sigma: f.Sigma, Kappa: f.Kappa, Lambda: f.Lambda, R2: f.R2,
		SigmaCI: f.SigmaCI, KappaCI: f.KappaCI, LambdaCI: f.LambdaCI, R2CI: f.R2CI}
	s.Diagnosis = f.Diagnose()
	if f.R2 < poorR2 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the USL fits poorly (R² %.2f): the capacities do not follow one scaling curve (noise, a busy machine, a size that oversubscribed?); do not size from it", f.R2))
	}
	if peak := f.Peak(); !math.IsInf(peak, 1) {
		s.PeakInstances, s.PeakRate = round2(peak), math.Round(f.X(peak))
		ci := f.PeakCI()
		hi := ci[1]
		if math.IsInf(hi, 1) {
			hi = 0
		}
		s.PeakInstancesCI = &results.Interval{round2(ci[0]), round2(hi)}
	}
	if len(s.Instances) == 3 {
		s.Warnings = append(s.Warnings, "three sizes for three parameters: the fit passes through every point, so R² says nothing and the intervals carry the weight")
	}
	s.Summary = summary(*s, f)
	if targetRate > 0 {
		s.Sizing = sizing(*s, f, targetRate, p99)
		if f.R2 < poorR2 {
			s.Sizing.Answer += fmt.Sprintf(" — poor fit (R² %.2f): not for decisions", f.R2)
		}
	}
	finite(s)
}

// poorR2 is the R² below which a fit is called poor.
const poorR2 = 0.8

// finite replaces values JSON cannot hold (a degenerate fit) by 0, with a
// warning, so results.json is always written.
func finite(s *results.Scaling) {
	bad := false
	fix := func(x *float64) {
		if math.IsNaN(*x) || math.IsInf(*x, 0) {
			*x, bad = 0, true
		}
	}
	if u := s.USL; u != nil {
		for _, x := range []*float64{&u.Sigma, &u.Kappa, &u.Lambda, &u.R2, &u.SigmaCI[0], &u.SigmaCI[1], &u.KappaCI[0], &u.KappaCI[1], &u.LambdaCI[0], &u.LambdaCI[1], &u.R2CI[0], &u.R2CI[1]} {
			fix(x)
		}
	}
	fix(&s.PeakInstances)
	fix(&s.PeakRate)
	if iv := s.PeakInstancesCI; iv != nil {
		fix(&iv[0])
		fix(&iv[1])
	}
	if bad {
		s.Warnings = append(s.Warnings, "the fit is degenerate: some of its figures are not finite and are written as 0")
	}
}

// summary is the sweep's one sentence.
func summary(s results.Scaling, f Fit) string {
	u := s.USL
	txt := fmt.Sprintf("%s is %s: σ = %.3f [%.3f, %.3f], κ = %.4f [%.4f, %.4f], λ = %s req/s per instance",
		s.Target, s.Diagnosis, u.Sigma, u.SigmaCI[0], u.SigmaCI[1], u.Kappa, u.KappaCI[0], u.KappaCI[1], fmtRate(u.Lambda))
	top := float64(s.Instances[len(s.Instances)-1])
	switch {
	case s.PeakInstances > 0 && s.PeakInstances <= top:
		txt += fmt.Sprintf("; throughput peaks at %.1f %s (%s req/s), beyond which adding instances lowers it", s.PeakInstances, s.Dimension, fmtRate(s.PeakRate))
	case s.PeakInstances > 0:
		txt += fmt.Sprintf("; the model's peak, %.1f %s (%s req/s), lies beyond the sizes measured (an extrapolation)", s.PeakInstances, s.Dimension, fmtRate(s.PeakRate))
	case s.USL.Sigma > 0:
		txt += fmt.Sprintf("; no peak in the model (κ = 0): throughput levels off towards λ/σ = %s req/s", fmtRate(s.USL.Lambda/s.USL.Sigma))
	default:
		txt += "; neither contention nor coherency in the model: throughput grows linearly over the sizes measured"
	}
	return txt
}

// sizing answers "how many instances for rate".
func sizing(s results.Scaling, f Fit, rate, p99 float64) *results.Sizing {
	z := f.Size(rate)
	out := &results.Sizing{TargetRate: rate, Instances: z.Instances, InstancesCI: [2]int{z.Lo, z.Hi},
		Measured: z.Measured, Extrapolated: z.Extrapolated, Beyond: z.Beyond, Warnings: z.Warnings}
	slo := "under the SLO"
	if p99 > 0 {
		slo = fmt.Sprintf("at p99 ≤ %s ms", trimFloat(p99))
	}
	size := "this size"
	if s.CPUBudget > 0 {
		size = fmt.Sprintf("this size (%g CPU each)", s.CPUBudget)
	}
	if z.Instances == 0 {
		out.Answer = fmt.Sprintf("%s cannot hold %s req/s %s with instances of %s: the model peaks at %s req/s", s.Target, fmtRate(rate), slo, size, fmtRate(s.PeakRate))
		return out
	}
	hi := "unbounded"
	if z.Hi > 0 {
		hi = fmt.Sprint(z.Hi)
	}
	out.Answer = fmt.Sprintf("to hold %s req/s %s, %s needs %d %s of %s, interval [%d, %s]", fmtRate(rate), slo, s.Target, z.Instances, s.Dimension, size, z.Lo, hi)
	top := s.Instances[len(s.Instances)-1]
	switch {
	case s.PeakInstances > 0 && s.PeakInstances <= float64(top):
		out.Answer += fmt.Sprintf("; beyond %.1f %s adding instances lowers throughput", s.PeakInstances, s.Dimension)
	case s.PeakInstances > 0:
		out.Answer += fmt.Sprintf("; the model puts the peak at %.1f %s, beyond the largest size measured (%d): an extrapolation", s.PeakInstances, s.Dimension, top)
	}
	if z.Extrapolated {
		out.Answer += " (extrapolated: " + strings.TrimPrefix(z.Warnings[0], "extrapolation: ") + ")"
	}
	return out
}

func measuredText(s results.Scaling) string {
	parts := make([]string, len(s.Instances))
	for i, n := range s.Instances {
		parts[i] = fmt.Sprintf("%d → %s req/s", n, fmtRate(s.CapacityRate[i]))
	}
	if len(parts) == 0 {
		return "no size has a capacity"
	}
	return strings.Join(parts, ", ")
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func trimFloat(x float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", x), "0"), ".")
}
