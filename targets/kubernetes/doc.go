// Package kubernetes is the Kubernetes driver (`--driver kubernetes`) and
// the manifest export (`scalebench kubernetes export`): both carry out a
// target's layout (targets.Plan), so what is measured and what is exported
// are the same objects.
//
// In the flow it sits behind the runner like the other drivers:
//
//	runner ──Up(spec)──▶ Driver ──Plan──▶ Manifests ──client-go──▶ API server
//	   namespace scalebench-<run>: Deployment + Service per component,
//	   nginx.conf as a ConfigMap, an HPA when the target autoscales
//	load ──▶ 127.0.0.1:P ──port-forward──▶ the entry pod (the balancer)
//
// Each component is a Deployment (replicas, the CPU budget as both the
// request and the limit, so the scheduler and the CFS quota agree) and a
// headless Service named after the component, so a balancer resolves
// every pod of its backend the way it lists every instance under the
// other drivers; readiness comes from the pods' readiness probes through
// the API. Everything carries the labels scalebench=1, scalebench.run and
// scalebench.target; a run's namespace is deleted at the end (or, with a
// namespace given, every object of the run in it).
//
// What is tested here: the manifests (decoded strictly with the API types)
// and the driver's logic against client-go's fake clientset. No cluster
// runs on this machine; see docs/kubernetes.md for what was and was not run.
package kubernetes
