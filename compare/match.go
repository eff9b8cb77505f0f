package compare

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/scalebench/scalebench/results"
)

// level is a step's load level: offered rate (open) or concurrency
// (closed), and its occurrence among steps at the same load.
type level struct {
	load float64
	nth  int
}

// match pairs base and new steps by target name and level, in base order,
// and records in t what is found on one side only.
func match(t *Table, base, new *results.Run) ([]pair, error) {
	newTargets := map[string]*results.Target{}
	for i := range new.Targets {
		newTargets[new.Targets[i].Name] = &new.Targets[i]
	}
	var pairs []pair
	common := 0
	for i := range base.Targets {
		bt := &base.Targets[i]
		nt, ok := newTargets[bt.Name]
		if !ok {
			t.NotCompared = append(t.NotCompared, fmt.Sprintf("target %s: only in base", bt.Name))
			continue
		}
		delete(newTargets, bt.Name)
		common++
		if why := notComparable(bt, nt); why != "" {
			t.NotCompared = append(t.NotCompared, fmt.Sprintf("target %s: %s", bt.Name, why))
			continue
		}
		if bt.Topology != nt.Topology {
			t.Warnings = append(t.Warnings, fmt.Sprintf("target %s: topology %s in base, %s in new", bt.Name, bt.Topology, nt.Topology))
		}
		pairs = append(pairs, matchSteps(t, bt, nt)...)
	}
	for _, nt := range new.Targets {
		if _, ok := newTargets[nt.Name]; ok {
			t.NotCompared = append(t.NotCompared, fmt.Sprintf("target %s: only in new", nt.Name))
		}
	}
	switch {
	case common == 0:
		return nil, fmt.Errorf("%w: no common target (base: %s; new: %s)", ErrIncomparable, names(base), names(new))
	case len(pairs) == 0:
		return nil, fmt.Errorf("%w: no common load level with results in both runs (%s)", ErrIncomparable, strings.Join(t.NotCompared, "; "))
	}
	return pairs, nil
}

// notComparable says why a target present on both sides has no steps to
// compare ("" when it has).
func notComparable(bt, nt *results.Target) string {
	var why []string
	for _, s := range []struct {
		name string
		t    *results.Target
	}{{"base", bt}, {"new", nt}} {
		if len(s.t.Steps) == 0 {
			why = append(why, fmt.Sprintf("%s %s with no steps", s.t.Status, s.name))
		}
	}
	if len(why) > 0 && nt.Status == results.StatusFailed && nt.Error != "" {
		why = append(why, "new: "+nt.Error)
	}
	return strings.Join(why, ", ")
}

// matchSteps pairs two targets' steps by level.
func matchSteps(t *Table, bt, nt *results.Target) []pair {
	newSteps := map[level]*results.Step{}
	for _, lv := range levels(nt) {
		newSteps[lv.level] = lv.step
	}
	var pairs []pair
	for _, lv := range levels(bt) {
		ns, ok := newSteps[lv.level]
		if !ok {
			t.NotCompared = append(t.NotCompared, fmt.Sprintf("%s at %s: only in base", bt.Name, lv.label()))
			continue
		}
		delete(newSteps, lv.level)
		pairs = append(pairs, pair{target: bt.Name, load: lv.load, unit: lv.unit, base: lv.step, new: ns})
	}
	for _, lv := range levels(nt) {
		if _, ok := newSteps[lv.level]; ok {
			t.NotCompared = append(t.NotCompared, fmt.Sprintf("%s at %s: only in new", nt.Name, lv.label()))
		}
	}
	return pairs
}

type levelStep struct {
	level
	unit string
	step *results.Step
}

func (l levelStep) label() string {
	s := FormatLoad(l.load, l.unit)
	if l.nth > 0 {
		s += " #" + strconv.Itoa(l.nth+1)
	}
	return s
}

// levels returns a target's steps with their levels, in step order.
func levels(t *results.Target) []levelStep {
	seen := map[float64]int{}
	var out []levelStep
	for i := range t.Steps {
		s := &t.Steps[i]
		load, unit := s.OfferedRate, "req/s"
		if s.Model == "closed" || (s.OfferedRate == 0 && s.Concurrency > 0) {
			load, unit = float64(s.Concurrency), "clients"
		}
		out = append(out, levelStep{level: level{load, seen[load]}, unit: unit, step: s})
		seen[load]++
	}
	return out
}

// FormatLoad writes a load level: "250 req/s", "16 clients".
func FormatLoad(load float64, unit string) string {
	return strconv.FormatFloat(load, 'f', -1, 64) + " " + unit
}

func names(r *results.Run) string {
	var n []string
	for _, t := range r.Targets {
		n = append(n, t.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// environmentDiff lists how the two runs' environments differ in what
// changes the figures: CPU, cores, driver, budgets, pinning, versions.
func environmentDiff(base, new *results.Run) []string {
	b, n := base.Environment, new.Environment
	var out []string
	add := func(field, bv, nv string) {
		if bv != nv {
			out = append(out, fmt.Sprintf("%s: %s → %s", field, orUnknown(bv), orUnknown(nv)))
		}
	}
	add("cpu_model", b.CPUModel, n.CPUModel)
	add("cpus", strconv.Itoa(b.CPUs), strconv.Itoa(n.CPUs))
	add("driver", b.Driver, n.Driver)
	add("cpu_budget_enforced", strconv.FormatBool(b.CPUBudgetEnforced), strconv.FormatBool(n.CPUBudgetEnforced))
	add("cpu_budget_mechanism", b.CPUBudgetMechanism, n.CPUBudgetMechanism)
	add("generator_cpus", fmt.Sprint(b.GeneratorCPUs), fmt.Sprint(n.GeneratorCPUs))
	add("target_cpus", fmt.Sprint(b.TargetCPUs), fmt.Sprint(n.TargetCPUs))
	add("kernel", b.Kernel, n.Kernel)
	keys := map[string]bool{}
	for k := range b.Components {
		keys[k] = true
	}
	for k := range n.Components {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		add("components."+k, b.Components[k], n.Components[k])
	}
	return out
}

// runWarnings are run-wide findings that weaken the comparison.
func runWarnings(base, new *results.Run) []string {
	var out []string
	if base.Scenario != new.Scenario {
		out = append(out, fmt.Sprintf("different scenarios: %s (base), %s (new)", base.Scenario, new.Scenario))
	}
	for _, s := range []struct {
		name string
		r    *results.Run
	}{{"base", base}, {"new", new}} {
		if s.r.Quick {
			out = append(out, s.name+" is a --quick run: its numbers are not for decisions")
		}
		if s.r.Status != "" && s.r.Status != results.RunCompleted {
			out = append(out, fmt.Sprintf("%s run is %s", s.name, s.r.Status))
		}
	}
	return out
}
