package kubernetes

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/scalebench/scalebench/targets"
)

// controller stands in for the Deployment controller and the kubelet of a
// real cluster: it makes each Deployment's pods exist and be ready, and
// answers the scale subresource, which client-go's fake tracker lacks.
type controller struct {
	cs      *fake.Clientset
	mu      sync.Mutex
	restart map[string]int // deployment → template changes seen
	made    int            // pods made, for unique names
}

func newController(t *testing.T) *controller {
	cs := fake.NewClientset()
	c := &controller{cs: cs, restart: map[string]int{}}
	cs.PrependReactor("get", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		d, err := cs.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("deployments"), a.GetNamespace(), a.(k8stesting.GetAction).GetName())
		if err != nil {
			return true, nil, err
		}
		dep := d.(*appsv1.Deployment)
		return true, &autoscalingv1.Scale{ObjectMeta: dep.ObjectMeta, Spec: autoscalingv1.ScaleSpec{Replicas: *dep.Spec.Replicas}}, nil
	})
	cs.PrependReactor("update", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		sc := a.(k8stesting.UpdateAction).GetObject().(*autoscalingv1.Scale)
		d, err := cs.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("deployments"), a.GetNamespace(), sc.Name)
		if err != nil {
			return true, nil, err
		}
		dep := d.(*appsv1.Deployment).DeepCopy()
		dep.Spec.Replicas = &sc.Spec.Replicas
		dep.Generation++
		return true, sc, cs.Tracker().Update(appsv1.SchemeGroupVersion.WithResource("deployments"), dep, a.GetNamespace())
	})
	cs.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		c.mu.Lock()
		c.restart[a.(k8stesting.PatchAction).GetName()]++
		c.mu.Unlock()
		return false, nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			c.reconcile(ctx)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

// reconcile makes every Deployment's status and pods match its spec, and
// deletes the pods of Deployments that are gone (the garbage collector).
func (c *controller) reconcile(ctx context.Context) {
	nss, _ := c.cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	for _, ns := range nss.Items {
		deps, _ := c.cs.AppsV1().Deployments(ns.Name).List(ctx, metav1.ListOptions{})
		owned := map[string]bool{}
		for _, d := range deps.Items {
			owned[d.Labels[LabelTarget]+"/"+d.Labels[LabelComponent]] = true
		}
		all, _ := c.cs.CoreV1().Pods(ns.Name).List(ctx, metav1.ListOptions{})
		for _, p := range all.Items {
			if p.Labels[LabelComponent] != "agent" && !owned[p.Labels[LabelTarget]+"/"+p.Labels[LabelComponent]] {
				_ = c.cs.CoreV1().Pods(ns.Name).Delete(ctx, p.Name, metav1.DeleteOptions{})
			}
		}
		for _, d := range deps.Items {
			want := *d.Spec.Replicas
			pods, _ := c.cs.CoreV1().Pods(ns.Name).List(ctx, metav1.ListOptions{LabelSelector: LabelTarget + "=" + d.Labels[LabelTarget] + "," + LabelComponent + "=" + d.Labels[LabelComponent]})
			for i := int32(len(pods.Items)); i < want; i++ {
				c.made++
				p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", d.Name, c.made), Namespace: ns.Name, Labels: d.Spec.Template.Labels},
					Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
				_, _ = c.cs.CoreV1().Pods(ns.Name).Create(ctx, p, metav1.CreateOptions{})
			}
			if d.Status.ReadyReplicas != want || d.Status.ObservedGeneration != d.Generation {
				d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: want, ReadyReplicas: want, UpdatedReplicas: want, AvailableReplicas: want}
				_, _ = c.cs.AppsV1().Deployments(ns.Name).UpdateStatus(ctx, &d, metav1.UpdateOptions{})
			}
		}
	}
}

// forwarder "forwards" to a local test server and records the pod.
type forwarder struct {
	srv *httptest.Server
	mu  sync.Mutex
	pod string
}

func (f *forwarder) Forward(_ context.Context, _, pod string, _ int) (int, func(), error) {
	f.mu.Lock()
	f.pod = pod
	f.mu.Unlock()
	_, port, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return n, func() {}, nil
}

func TestDriverUpScaleDownClose(t *testing.T) {
	ctrl := newController(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	fwd := &forwarder{srv: srv}
	ctx := context.Background()
	d, err := New(ctx, Options{RunID: "20261202-010203-abc", Images: testImages, Client: ctrl.cs, Forward: fwd, ReadyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if d.Namespace() != "scalebench-20261202-010203-abc" {
		t.Errorf("namespace %q", d.Namespace())
	}
	dep, err := d.Up(ctx, targets.Spec{RunID: "20261202-010203-abc", Name: "rep", Topology: "replicas", Instances: 2, CPUBudget: 0.5})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if !strings.HasPrefix(fwd.pod, "rep-balancer") {
		t.Errorf("forwarded to pod %q, want the balancer's (the entry)", fwd.pod)
	}
	if info := dep.Info(); info.Driver != "kubernetes" || info.Instances != 2 || info.Balancer != "nginx" || !info.CPUBudgetEnforced || dep.Endpoint() != srv.URL {
		t.Errorf("Info %+v, endpoint %q", info, dep.Endpoint())
	}
	deps, _ := ctrl.cs.AppsV1().Deployments(d.Namespace()).List(ctx, metav1.ListOptions{})
	if len(deps.Items) != 2 {
		t.Errorf("%d deployments, want app and balancer", len(deps.Items))
	}
	if err := dep.(*deployment).Scale(ctx, 4, time.Second); err != nil {
		t.Fatalf("Scale: %v", err)
	}
	app, _ := ctrl.cs.AppsV1().Deployments(d.Namespace()).Get(ctx, "rep-app", metav1.GetOptions{})
	if *app.Spec.Replicas != 4 {
		t.Errorf("app replicas after Scale = %d, want 4", *app.Spec.Replicas)
	}
	ctrl.mu.Lock()
	restarts := ctrl.restart["rep-balancer"]
	ctrl.mu.Unlock()
	if restarts != 1 {
		t.Errorf("balancer restarted %d times after scaling, want 1 (nginx resolves the pods at start)", restarts)
	}
	if err := dep.Err(); err != nil {
		t.Errorf("Err = %v", err)
	}
	if err := dep.Down(ctx); err != nil {
		t.Fatalf("Down: %v", err)
	}
	left, _ := ctrl.cs.AppsV1().Deployments(d.Namespace()).List(ctx, metav1.ListOptions{})
	svcs, _ := ctrl.cs.CoreV1().Services(d.Namespace()).List(ctx, metav1.ListOptions{})
	cms, _ := ctrl.cs.CoreV1().ConfigMaps(d.Namespace()).List(ctx, metav1.ListOptions{})
	pods, _ := ctrl.cs.CoreV1().Pods(d.Namespace()).List(ctx, metav1.ListOptions{})
	if len(left.Items)+len(svcs.Items)+len(cms.Items)+len(pods.Items) != 0 {
		t.Errorf("after Down: %d deployments, %d services, %d configmaps, %d pods left (Down waits for the pods)", len(left.Items), len(svcs.Items), len(cms.Items), len(pods.Items))
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ctrl.cs.CoreV1().Namespaces().Get(ctx, d.Namespace(), metav1.GetOptions{}); err == nil {
		t.Error("the run's namespace is still there after Close")
	}
}

func TestDriverUpFailsAndCleansUp(t *testing.T) {
	cs := fake.NewClientset() // no controller: nothing ever becomes ready
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	ctx := context.Background()
	d, err := New(ctx, Options{RunID: "r1", Images: testImages, Client: cs, Forward: &forwarder{srv: srv}, ReadyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Up(ctx, targets.Spec{RunID: "r1", Name: "s", Topology: "single"})
	if err == nil || !strings.Contains(err.Error(), "0 of 1 replicas ready") {
		t.Fatalf("Up with no ready pods: %v, want a readiness error", err)
	}
	left, _ := cs.AppsV1().Deployments(d.Namespace()).List(ctx, metav1.ListOptions{})
	if len(left.Items) != 0 {
		t.Errorf("%d deployments left after a failed Up", len(left.Items))
	}
	if _, err := d.Up(ctx, targets.Spec{RunID: "r1", Name: "c", Topology: "command", Command: []string{"./srv"}}); err == nil {
		t.Error("Up of a command target succeeded; want a clear refusal")
	}
}

func TestDriverGivenNamespace(t *testing.T) {
	cs := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}})
	ctx := context.Background()
	d, err := New(ctx, Options{RunID: "r2", Namespace: "team", Images: testImages, Client: cs, Forward: &forwarder{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{}); err != nil {
		t.Errorf("Close deleted the user's namespace: %v", err)
	}
	if _, err := New(ctx, Options{RunID: "r3", Namespace: "absent", Images: testImages, Client: cs, Forward: &forwarder{}}); err == nil {
		t.Error("New with a namespace that does not exist succeeded")
	}
}

func (c *controller) restarts(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.restart[name]
}

// A target that autoscales gets its HPA; the HPA's decisions (here written
// to the scale subresource as the HPA controller does) are read back and
// followed with a balancer restart; kill, rolling restart and Redis down
// act on pods and replica counts; Down deletes the HPA with the rest.
func TestDriverAutoscaleAndFaults(t *testing.T) {
	ctrl := newController(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ctx := context.Background()
	d, err := New(ctx, Options{RunID: "r-hpa", Images: testImages, Client: ctrl.cs, Forward: &forwarder{srv: srv}, ReadyTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	spec := targets.Spec{RunID: "r-hpa", Name: "api", Topology: "replicas", Instances: 2, CPUBudget: 0.5, Autoscale: testAutoscale}
	up, err := d.Up(ctx, spec)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	dep := up.(*deployment)
	h, err := ctrl.cs.AutoscalingV2().HorizontalPodAutoscalers(d.Namespace()).Get(ctx, "api-app", metav1.GetOptions{})
	if err != nil || h.Spec.MaxReplicas != 6 || h.Labels[LabelRun] != "r-hpa" {
		t.Fatalf("HPA after Up: %v %+v", err, h)
	}
	// The HPA controller scales the app to 4 and reports 90% CPU.
	if err := dep.setReplicas(ctx, "app", 4); err != nil {
		t.Fatal(err)
	}
	h.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptrTo(int32(90))}}}}
	if _, err := ctrl.cs.AutoscalingV2().HorizontalPodAutoscalers(d.Namespace()).UpdateStatus(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	n, util, err := dep.AutoscaledReplicas(ctx)
	if err != nil || n != 4 || util != 0.9 {
		t.Errorf("AutoscaledReplicas = %d, %v, %v; want 4 at 0.9", n, util, err)
	}
	before := ctrl.restarts("api-balancer")
	if err := dep.Follow(ctx, 4); err != nil || dep.Info().Instances != 4 || ctrl.restarts("api-balancer") != before+1 {
		t.Errorf("Follow: %v, instances %d, balancer restarts %d → %d", err, dep.Info().Instances, before, ctrl.restarts("api-balancer"))
	}
	pods, _ := ctrl.cs.CoreV1().Pods(d.Namespace()).List(ctx, metav1.ListOptions{LabelSelector: dep.selector("app")})
	_, victim, _ := dep.instancePod(ctx, "2")
	if at, err := dep.Kill(ctx, "2", "KILL"); err != nil || at.IsZero() {
		t.Errorf("Kill: %v at %v", err, at)
	}
	if _, err := ctrl.cs.CoreV1().Pods(d.Namespace()).Get(ctx, victim, metav1.GetOptions{}); err == nil {
		t.Errorf("Kill left pod %s (of %d)", victim, len(pods.Items))
	}
	if err := dep.RollingRestart(ctx, time.Second); err != nil || ctrl.restarts("api-app") != 1 {
		t.Errorf("RollingRestart: %v, app restarts %d", err, ctrl.restarts("api-app"))
	}
	if err := dep.Pause(ctx, "1", time.Second); err == nil {
		t.Error("Pause succeeded; the Kubernetes API cannot pause a pod")
	}
	if err := dep.RedisDown(ctx, time.Millisecond); err == nil {
		t.Error("RedisDown on a target without Redis succeeded")
	}
	if err := dep.Down(ctx); err != nil {
		t.Fatal(err)
	}
	if hs, _ := ctrl.cs.AutoscalingV2().HorizontalPodAutoscalers(d.Namespace()).List(ctx, metav1.ListOptions{}); len(hs.Items) != 0 {
		t.Errorf("%d HPAs left after Down", len(hs.Items))
	}
}
