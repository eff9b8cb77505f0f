package stats

import (
	"math"
	"sort"
)

// Holm returns Holm-Bonferroni adjusted p-values, in input order. It
// controls the family-wise error rate (the chance of any false alarm in
// the table) without assuming anything about how the tests depend on each
// other. NaN p-values count as 1.
func Holm(p []float64) []float64 {
	m := len(p)
	order := ascending(p)
	adj := make([]float64, m)
	running := 0.0
	for rank, i := range order {
		a := math.Min(1, float64(m-rank)*clampP(p[i]))
		running = math.Max(running, a)
		adj[i] = running
	}
	return adj
}

// BenjaminiHochberg returns Benjamini-Hochberg adjusted p-values (q-values),
// in input order. It controls the false discovery rate (the expected share
// of flagged changes that are false) and is less conservative than Holm.
// NaN p-values count as 1.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	order := ascending(p)
	adj := make([]float64, m)
	running := 1.0
	for rank := m - 1; rank >= 0; rank-- {
		i := order[rank]
		a := math.Min(1, float64(m)/float64(rank+1)*clampP(p[i]))
		running = math.Min(running, a)
		adj[i] = running
	}
	return adj
}

// ascending returns the indices of p ordered by p-value (NaN last), ties
// in input order.
func ascending(p []float64) []int {
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return clampP(p[order[a]]) < clampP(p[order[b]]) })
	return order
}
