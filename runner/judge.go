package runner

import (
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
)

// judge marks each step against the SLO and sets the target's verdict and
// capacity: the highest load of a valid step that met the SLO.
func judge(tr *results.Target, sc *scenarios.SLO) {
	slo := SLO(sc)
	if slo == nil {
		return
	}
	all := true
	for i := range tr.Steps {
		s := &tr.Steps[i]
		ok := slo.Meets(s)
		s.SLOPassed = &ok
		if !ok {
			all = false
			continue
		}
		if s.Valid {
			if load := s.Load(); load > tr.CapacityRate {
				tr.CapacityRate = load
			}
		}
	}
	if tr.Status != results.StatusOK {
		all = false
	}
	tr.SLOPassed = &all
}

// SLO is the scenario's objective as results record it (nil: none).
func SLO(sc *scenarios.SLO) *results.SLO {
	if sc == nil {
		return nil
	}
	ms := func(d scenarios.Duration) float64 { return float64(d.D().Microseconds()) / 1000 }
	o := &results.SLO{P50Ms: ms(sc.P50), P90Ms: ms(sc.P90), P95Ms: ms(sc.P95), P99Ms: ms(sc.P99), P999Ms: ms(sc.P999)}
	if sc.ErrorRate != nil {
		o.ErrorRate = *sc.ErrorRate
	}
	if sc.DeliveryRatio != nil {
		o.DeliveryRatio = *sc.DeliveryRatio
	}
	return o
}
