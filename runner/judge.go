package runner

import (
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/scenarios"
)

// judge marks each step against the SLO and sets the target's verdict and
// capacity: the highest load of a valid step that met the SLO.
func judge(tr *results.Target, slo *scenarios.SLO) {
	if slo == nil {
		return
	}
	all := true
	for i := range tr.Steps {
		s := &tr.Steps[i]
		ok := meets(s, slo)
		s.SLOPassed = &ok
		if !ok {
			all = false
			continue
		}
		if s.Valid {
			load := s.OfferedRate
			if s.Model == "closed" {
				load = float64(s.Concurrency)
			}
			if s.WebSocket != nil {
				load = float64(s.WebSocket.ConnectionsTarget)
			}
			if load > tr.CapacityRate {
				tr.CapacityRate = load
			}
		}
	}
	if tr.Status != results.StatusOK {
		all = false
	}
	tr.SLOPassed = &all
}

func meets(s *results.Step, slo *scenarios.SLO) bool {
	if s.Requests == 0 {
		return false
	}
	if slo.P99 > 0 && s.Latency.P99 > float64(slo.P99.D().Microseconds())/1000 {
		return false
	}
	if slo.ErrorRate != nil && s.ErrorRate > *slo.ErrorRate {
		return false
	}
	if slo.DeliveryRatio != nil && s.WebSocket != nil && s.WebSocket.DeliveryRatio < *slo.DeliveryRatio {
		return false
	}
	return true
}
