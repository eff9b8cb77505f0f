//go:build kubeapiserver

package kubernetes

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/scalebench/scalebench/targets"
)

// Against a real kube-apiserver (and etcd) on loopback, started by
// scripts/kube-apiserver-test.sh, which runs this file with -tags
// kubeapiserver. There is no kubelet or scheduler: pods never run, so
// these tests check what the API server itself decides — that every
// object the driver creates passes real validation and admission, that
// the scale subresource, the restart patch and the HPA read work, and
// that everything is deleted.

func realKubeconfig(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SCALEBENCH_TEST_KUBECONFIG")
	if p == "" {
		t.Fatal("SCALEBENCH_TEST_KUBECONFIG is not set: run ./scripts/kube-apiserver-test.sh, which starts etcd and kube-apiserver on loopback and runs this test")
	}
	return p
}

func realDriver(t *testing.T, runID string) *Driver {
	t.Helper()
	d, err := New(context.Background(), Options{RunID: runID, Kubeconfig: realKubeconfig(t), Images: testImages, ReadyTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	return d
}

// leftovers counts the objects labelled with selector that are not being
// deleted (foreground deletion leaves an object with a deletionTimestamp
// until the garbage collector, in kube-controller-manager, removes it).
func leftovers(t *testing.T, d *Driver, selector string) []string {
	t.Helper()
	ctx := context.Background()
	opts := metav1.ListOptions{LabelSelector: selector}
	var out []string
	add := func(kind string, items []metav1.Object) {
		for _, o := range items {
			if o.GetDeletionTimestamp() == nil {
				out = append(out, kind+"/"+o.GetName())
			}
		}
	}
	deps, _ := d.cs.AppsV1().Deployments(d.namespace).List(ctx, opts)
	for i := range deps.Items {
		add("deployment", []metav1.Object{&deps.Items[i]})
	}
	svcs, _ := d.cs.CoreV1().Services(d.namespace).List(ctx, opts)
	for i := range svcs.Items {
		add("service", []metav1.Object{&svcs.Items[i]})
	}
	cms, _ := d.cs.CoreV1().ConfigMaps(d.namespace).List(ctx, opts)
	for i := range cms.Items {
		add("configmap", []metav1.Object{&cms.Items[i]})
	}
	hpas, _ := d.cs.AutoscalingV2().HorizontalPodAutoscalers(d.namespace).List(ctx, opts)
	for i := range hpas.Items {
		add("hpa", []metav1.Object{&hpas.Items[i]})
	}
	jobs, _ := d.cs.BatchV1().Jobs(d.namespace).List(ctx, opts)
	for i := range jobs.Items {
		add("job", []metav1.Object{&jobs.Items[i]})
	}
	secrets, _ := d.cs.CoreV1().Secrets(d.namespace).List(ctx, opts)
	for i := range secrets.Items {
		add("secret", []metav1.Object{&secrets.Items[i]})
	}
	return out
}

// Up of every quickstart-like topology (and an autoscaling one) gets as
// far as the readiness wait: every object was accepted; then the failed
// Up deletes them.
func TestRealAPIServerAcceptsEveryObject(t *testing.T) {
	d := realDriver(t, "real-up")
	if d.version == "" {
		t.Error("no server version from the API server")
	}
	for _, spec := range []targets.Spec{
		{Name: "single", Topology: "single", CPUBudget: 0.5, GOMAXPROCS: 1},
		{Name: "cluster", Topology: "cluster", Instances: 2, CPUBudget: 0.5},
		{Name: "replicas", Topology: "replicas", Instances: 2, CPUBudget: 0.5, MemoryMB: 128, Autoscale: testAutoscale},
		{Name: "go", Topology: "replicas", Balancer: "go"},
		{Name: "cached", Topology: "cached"},
		{Name: "queue", Topology: "queue", Instances: 2},
		{Name: "mine", Topology: "image", Image: "me/api:1", Port: 3000, Instances: 2, CPUBudget: 1, Autoscale: testAutoscale},
	} {
		spec.RunID = "real-up"
		_, err := d.Up(context.Background(), spec)
		if err == nil || !strings.Contains(err.Error(), "replicas ready") {
			t.Errorf("%s: Up = %v, want the readiness wait to fail (no kubelet), every object accepted", spec.Name, err)
		}
		if left := leftovers(t, d, LabelRun+"=real-up,"+LabelTarget+"="+spec.Name); len(left) > 0 {
			t.Errorf("%s: after the failed Up, not deleted: %v", spec.Name, left)
		}
	}
}

// The scale subresource (`kubectl scale`), the rollout-restart patch and
// the HPA read, on objects the real API server holds.
func TestRealAPIServerScaleRestartHPA(t *testing.T) {
	d := realDriver(t, "real-scale")
	ctx := context.Background()
	spec := targets.Spec{RunID: "real-scale", Name: "api", Topology: "replicas", Instances: 2, CPUBudget: 0.5, Balancer: "nginx", Autoscale: testAutoscale}
	l, err := targets.Plan(spec)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Manifests(l, ManifestOptions{Namespace: d.namespace, RunID: d.opts.RunID, Images: d.opts.Images, Autoscale: spec.Autoscale})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if err := apply(ctx, d.cs, o); err != nil {
			t.Fatal(err)
		}
	}
	dep := &deployment{d: d, spec: spec, layout: l}
	if err := dep.setReplicas(ctx, "app", 5); err != nil {
		t.Fatalf("scale subresource: %v", err)
	}
	if n, _, err := dep.AutoscaledReplicas(ctx); err != nil || n != 5 {
		t.Errorf("AutoscaledReplicas = %d, %v; want 5", n, err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := dep.restart(rctx, "balancer"); err == nil || !strings.Contains(err.Error(), "replicas ready") {
		t.Errorf("restart = %v, want the patch accepted and the readiness wait to fail (no kubelet)", err)
	}
	b, err := d.cs.AppsV1().Deployments(d.namespace).Get(ctx, "api-balancer", metav1.GetOptions{})
	if err != nil || b.Spec.Template.Annotations["scalebench/restarted-at"] == "" {
		t.Errorf("balancer after restart: %v, annotations %v", err, b.Spec.Template.Annotations)
	}
	if err := dep.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(t, d, LabelRun+"=real-scale"); len(left) > 0 {
		t.Errorf("after Down, not deleted: %v", left)
	}
}

// The agents' Secret, Service and Indexed Job are accepted; their pods
// never run here, so Start fails its wait and deletes them.
func TestRealAPIServerAgentsJob(t *testing.T) {
	d := realDriver(t, "real-agents")
	_, err := AgentLauncher{Driver: d, CPU: 1}.Start(context.Background(), 2)
	if err == nil || !strings.Contains(err.Error(), "0 of 2 agent pods ready") {
		t.Errorf("Start = %v, want the Job accepted and the wait for its pods to fail (no kubelet)", err)
	}
	if left := leftovers(t, d, LabelRun+"=real-agents"); len(left) > 0 {
		t.Errorf("after the failed Start, not deleted: %v", left)
	}
}
