package targets

import (
	"strings"
	"testing"
	"time"
)

func shopSpec(topology string) Spec {
	return Spec{Name: "shop", Topology: topology, CPUBudget: 0.2, Microservices: &Microservices{Entry: "core", Services: []Service{
		{Name: "auth", Replicas: 2, CPU: time.Millisecond},
		{Name: "core", Replicas: 1, CPU: 2 * time.Millisecond, Calls: []string{"auth", "mail"}},
		{Name: "mail", Replicas: 1, Queue: true, CPUBudget: 0.5},
	}}}
}

// TestPlanServices: callees first, each with its own budget and the
// callees it reaches over HTTP; the monolith gets the split's instance
// count, one budget each.
func TestPlanServices(t *testing.T) {
	ps, err := PlanServices(shopSpec(TopologyMicroservices))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"×"+strings.Repeat("I", p.Replicas)+" calls="+strings.Join(p.Calls, ","))
	}
	if strings.Join(got, "; ") != "auth×II calls=; mail×I calls=; core×I calls=auth" {
		t.Errorf("PlanServices = %q", got)
	}
	if !ps[2].Redis || !ps[1].Consumer || ps[1].CPUs != 0.5 || ps[2].CPUs != 0.2 {
		t.Errorf("core redis %v, mail consumer %v cpus %v, core cpus %v; want true, true, 0.5, 0.2", ps[2].Redis, ps[1].Consumer, ps[1].CPUs, ps[2].CPUs)
	}
	mono, err := PlanServices(shopSpec(TopologyMonolith))
	if err != nil {
		t.Fatal(err)
	}
	if len(mono) != 1 || mono[0].Replicas != 4 || !strings.Contains(strings.Join(mono[0].Args, " "), "--entry core") {
		t.Errorf("monolith plan %+v, want one set of 4 instances from --entry core", mono)
	}
	l, err := Plan(shopSpec(TopologyMicroservices))
	if err != nil {
		t.Fatal(err)
	}
	if l.Entry != "balancer" || l.Instances != 4 || l.Components[0].Name != "redis" {
		t.Errorf("Plan: entry %q, %d instances, first %q; want the gateway balancer, 4, redis", l.Entry, l.Instances, l.Components[0].Name)
	}
}
