package kubernetes

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/scalebench/scalebench/targets"
)

var testImages = Images{App: "registry.example/scalebench/app:abc", Nginx: "nginx:1.27", Redis: "redis:7"}

// strictDecode decodes doc with the Kubernetes API types, refusing unknown
// and duplicate fields, as `kubectl apply --validate=strict` would.
func strictDecode(t *testing.T, doc []byte) runtime.Object {
	t.Helper()
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	obj, _, err := dec.Decode(doc, nil, nil)
	if err != nil {
		t.Fatalf("strict decode: %v\n%s", err, doc)
	}
	return obj
}

func TestManifestsDecodeStrictly(t *testing.T) {
	for _, spec := range []targets.Spec{
		{Name: "single", Topology: "single", CPUBudget: 0.5, GOMAXPROCS: 1},
		{Name: "cluster", Topology: "cluster", Instances: 2, CPUBudget: 0.5},
		{Name: "replicas", Topology: "replicas", Instances: 3, CPUBudget: 0.5, MemoryMB: 128, Balancer: "nginx", Autoscale: testAutoscale},
		{Name: "go", Topology: "replicas", Balancer: "go"},
		{Name: "queue", Topology: "queue", Instances: 2, Balancer: "nginx"},
		{Name: "mine", Topology: "image", Image: "me/api:1", Port: 3000, Instances: 2, Balancer: "nginx", CPUBudget: 1, Autoscale: testAutoscale},
	} {
		l, err := targets.Plan(spec)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := Manifests(l, ManifestOptions{Namespace: "ns", RunID: "run1", Images: testImages, Autoscale: spec.Autoscale})
		if err != nil {
			t.Fatalf("%s: %v", spec.Name, err)
		}
		var kinds []string
		for _, o := range objs {
			doc, err := yaml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			back := strictDecode(t, doc)
			kinds = append(kinds, back.GetObjectKind().GroupVersionKind().Kind)
			checkObject(t, spec, back)
		}
		wantDeployments := len(l.Components)
		if got := strings.Count(strings.Join(kinds, " "), "Deployment"); got != wantDeployments {
			t.Errorf("%s: kinds %v, want %d Deployments", spec.Name, kinds, wantDeployments)
		}
		if hpas := strings.Count(strings.Join(kinds, " "), "HorizontalPodAutoscaler"); hpas != map[bool]int{true: 1}[spec.Autoscale != nil] {
			t.Errorf("%s: kinds %v: %d HPAs with autoscale %v", spec.Name, kinds, hpas, spec.Autoscale)
		}
	}
}

// checkObject checks what every object of a target must carry.
func checkObject(t *testing.T, spec targets.Spec, o runtime.Object) {
	t.Helper()
	switch v := o.(type) {
	case *appsv1.Deployment:
		if v.Labels[LabelRun] != "run1" || v.Labels[LabelTarget] != dnsName(spec.Name) || v.Namespace != "ns" {
			t.Errorf("%s: deployment %s labels %v namespace %q", spec.Name, v.Name, v.Labels, v.Namespace)
		}
		ctr := v.Spec.Template.Spec.Containers[0]
		comp := v.Labels[LabelComponent]
		if spec.CPUBudget > 0 && (comp == "app" || comp == "cluster") {
			req, lim := ctr.Resources.Requests[corev1.ResourceCPU], ctr.Resources.Limits[corev1.ResourceCPU]
			want := int64(spec.CPUBudget * 1000)
			if comp == "cluster" {
				want *= int64(spec.Instances)
			}
			if req.MilliValue() != want || lim.MilliValue() != want {
				t.Errorf("%s: %s CPU request %v limit %v, want %dm both", spec.Name, comp, req.String(), lim.String(), want)
			}
		}
		if comp == "app" && spec.Topology == "replicas" && *v.Spec.Replicas != int32(spec.Instances) && spec.Instances > 0 {
			t.Errorf("%s: app replicas %d, want %d", spec.Name, *v.Spec.Replicas, spec.Instances)
		}
		if len(ctr.Ports) > 0 && ctr.ReadinessProbe == nil {
			t.Errorf("%s: %s has a port and no readiness probe", spec.Name, comp)
		}
	case *corev1.Service:
		if v.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("%s: service %s is not headless", spec.Name, v.Name)
		}
	case *corev1.ConfigMap:
		if !strings.Contains(v.Data["nginx.conf"], "server app:") {
			t.Errorf("%s: nginx.conf upstream does not name the app service:\n%s", spec.Name, v.Data["nginx.conf"])
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		h := v.Spec
		if *h.MinReplicas != 2 || h.MaxReplicas != 6 || *h.Metrics[0].Resource.Target.AverageUtilization != 60 || h.Metrics[0].Resource.Name != corev1.ResourceCPU ||
			*h.Behavior.ScaleDown.StabilizationWindowSeconds != 10 || h.ScaleTargetRef.Kind != "Deployment" || h.ScaleTargetRef.Name != Name(spec.Name, "app") ||
			v.Labels[LabelRun] != "run1" {
			t.Errorf("%s: HPA labels %v spec %+v", spec.Name, v.Labels, h)
		}
	}
}

// testAutoscale is a scenario's autoscale: {min: 2, max: 6, target_cpu: 0.6, stabilization: 10s}.
var testAutoscale = &targets.Autoscale{Min: 2, Max: 6, TargetCPU: 0.6, Stabilization: 10 * time.Second}

// An HPA's utilisation is of the CPU request: without a budget there is
// none, and an HPA without instances or with bounds upside down is refused.
func TestManifestsRefuseBadAutoscale(t *testing.T) {
	for _, tc := range []struct {
		spec targets.Spec
		want string
	}{
		{targets.Spec{Name: "r", Topology: "replicas", Instances: 2, Balancer: "nginx", Autoscale: testAutoscale}, "needs a cpu_budget"},
		{targets.Spec{Name: "c", Topology: "cluster", Instances: 2, CPUBudget: 1, Autoscale: testAutoscale}, "no app instances"},
		{targets.Spec{Name: "r", Topology: "replicas", Instances: 2, CPUBudget: 1, Balancer: "nginx", Autoscale: &targets.Autoscale{Min: 3, Max: 2, TargetCPU: 0.5}}, "min ≤ max"},
	} {
		l, err := targets.Plan(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Manifests(l, ManifestOptions{Namespace: "ns", RunID: "r", Images: testImages, Autoscale: tc.spec.Autoscale}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Manifests = %v, want an error with %q", tc.spec.Name, err, tc.want)
		}
	}
}

func TestManifestsNeedImages(t *testing.T) {
	l, _ := targets.Plan(targets.Spec{Name: "r", Topology: "replicas", Balancer: "nginx"})
	if _, err := Manifests(l, ManifestOptions{Namespace: "ns", RunID: "r", Images: Images{App: "a"}}); err == nil || !strings.Contains(err.Error(), "nginx image") {
		t.Errorf("Manifests without an nginx image: %v, want an error naming it", err)
	}
}
