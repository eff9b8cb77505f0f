package kubernetes

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/scalebench/scalebench/targets"
	"github.com/scalebench/scalebench/targets/nginx"
)

// Labels on every object.
const (
	LabelScalebench = "scalebench"
	LabelRun        = "scalebench.run"
	LabelTarget     = "scalebench.target"
	LabelComponent  = "scalebench.component"
)

// nginxConfPath is where a balancer pod finds its configuration.
const nginxConfPath = "/etc/nginx/nginx.conf"

// Images are the image references the layout's image kinds stand for.
type Images struct {
	App, Nginx, Redis string
}

// ManifestOptions say where and how the objects are made.
type ManifestOptions struct {
	Namespace string
	RunID     string
	Images    Images
	// Autoscale, when set, adds an HPA for the app component (the
	// target's autoscale: section, targets.Spec.Autoscale).
	Autoscale *targets.Autoscale
}

// Manifests are the Kubernetes objects of layout l, in apply order:
// ConfigMaps, then per component a Service and a Deployment, then the HPA.
func Manifests(l targets.Layout, o ManifestOptions) ([]runtime.Object, error) {
	if o.Namespace == "" {
		return nil, fmt.Errorf("target %q: no namespace", l.Target)
	}
	var out []runtime.Object
	for _, c := range l.Components {
		img, err := imageOf(c, o.Images)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", l.Target, err)
		}
		pod := podSpec(l, c, img)
		if c.Role == targets.RoleBalancer && c.Image == targets.ImageNginx {
			cm, err := nginxConfigMap(l, c, o)
			if err != nil {
				return nil, err
			}
			out = append(out, cm)
			mountNginx(&pod, cm.Name)
		}
		out = append(out, service(l, c, o), deploymentOf(l, c, o, pod))
	}
	if o.Autoscale != nil {
		h, err := hpa(l, o)
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", l.Target, err)
		}
		out = append(out, h)
	}
	return out, nil
}

// Name is the object name of component c of target: DNS-1123, ≤ 63 chars.
func Name(target, component string) string {
	return dnsName(target + "-" + component)
}

func dnsName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

func labels(l targets.Layout, c targets.Component, o ManifestOptions) map[string]string {
	return map[string]string{
		LabelScalebench: "1",
		LabelRun:        dnsName(o.RunID),
		LabelTarget:     dnsName(l.Target),
		LabelComponent:  dnsName(c.Name),
	}
}

func meta(l targets.Layout, c targets.Component, o ManifestOptions, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: labels(l, c, o)}
}

func imageOf(c targets.Component, im Images) (string, error) {
	ref := map[string]string{targets.ImageApp: im.App, targets.ImageNginx: im.Nginx, targets.ImageRedis: im.Redis}[c.Image]
	if _, kind := map[string]bool{targets.ImageApp: true, targets.ImageNginx: true, targets.ImageRedis: true}[c.Image]; !kind {
		ref = c.Image // the user's own image
	}
	if ref == "" {
		return "", fmt.Errorf("component %s: no %s image given", c.Name, c.Image)
	}
	return ref, nil
}

// podSpec is the pod of component c: one container with the component's
// arguments, environment, port, limits and readiness probe.
func podSpec(l targets.Layout, c targets.Component, image string) corev1.PodSpec {
	ctr := corev1.Container{
		Name:            dnsName(c.Name),
		Image:           image,
		Args:            slices.Clone(c.Args),
		Env:             env(c),
		ImagePullPolicy: corev1.PullIfNotPresent,
		Resources:       resources(c),
	}
	if c.Port > 0 {
		ctr.Ports = []corev1.ContainerPort{{Name: "serve", ContainerPort: int32(c.Port)}}
		ctr.ReadinessProbe = probe(l, c)
	}
	if c.Image == targets.ImageNginx {
		ctr.Args = []string{"nginx", "-c", nginxConfPath}
	}
	return corev1.PodSpec{Containers: []corev1.Container{ctr}}
}

func env(c targets.Component) []corev1.EnvVar {
	var out []corev1.EnvVar
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		out = append(out, corev1.EnvVar{Name: k, Value: c.Env[k]})
	}
	if c.Image == targets.ImageApp && c.Role != targets.RoleBalancer {
		out = append(out, corev1.EnvVar{Name: "SCALEBENCH_INSTANCE_ID", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
	}
	return out
}

// resources makes the CPU budget both request and limit (Guaranteed-like
// QoS for CPU): the scheduler reserves what the CFS quota enforces.
func resources(c targets.Component) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	if c.CPUs > 0 {
		q := resource.NewMilliQuantity(int64(c.CPUs*1000+0.5), resource.DecimalSI)
		r.Requests[corev1.ResourceCPU], r.Limits[corev1.ResourceCPU] = *q, *q
	}
	if c.MemoryMB > 0 {
		q := resource.NewQuantity(int64(c.MemoryMB)<<20, resource.BinarySI)
		r.Requests[corev1.ResourceMemory], r.Limits[corev1.ResourceMemory] = *q, *q
	}
	return r
}

func probe(l targets.Layout, c targets.Component) *corev1.Probe {
	h := corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: l.Health, Port: intstr.FromInt32(int32(c.Port))}}
	if c.Role == targets.RoleRedis {
		h = corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(c.Port))}}
	}
	return &corev1.Probe{ProbeHandler: h, PeriodSeconds: 1, FailureThreshold: 3}
}

// service is a headless Service named after the component, so its name
// resolves to every ready pod (what a balancer in front of replicas needs).
func service(l targets.Layout, c targets.Component, o ManifestOptions) *corev1.Service {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(l, c, o, dnsName(c.Name)),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  labels(l, c, o),
		},
	}
	if c.Port > 0 {
		svc.Spec.Ports = []corev1.ServicePort{{Name: "serve", Port: int32(c.Port), TargetPort: intstr.FromInt32(int32(c.Port))}}
	}
	return svc
}

func deploymentOf(l targets.Layout, c targets.Component, o ManifestOptions, pod corev1.PodSpec) *appsv1.Deployment {
	n := int32(max(c.Replicas, 1))
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(l, c, o, Name(l.Target, c.Name)),
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: labels(l, c, o)},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels(l, c, o)}, Spec: pod},
		},
	}
}

// nginxConfigMap holds balancer c's nginx.conf; its upstream is the
// backend's headless Service, which nginx resolves to every ready pod when
// it starts (the driver restarts it after scaling).
func nginxConfigMap(l targets.Layout, c targets.Component, o ManifestOptions) (*corev1.ConfigMap, error) {
	backend, _ := l.Component(c.Upstream)
	conf, err := nginx.Render(nginx.Config{
		Listen:    strconv.Itoa(c.Port),
		Upstreams: []string{dnsName(backend.Name) + ":" + strconv.Itoa(backend.Port)},
		Policy:    l.Policy,
		PIDFile:   "/tmp/nginx.pid",
		TempDir:   "/tmp",
	})
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(l, c, o, Name(l.Target, c.Name+"-conf")),
		Data:       map[string]string{"nginx.conf": string(conf)},
	}, nil
}

func mountNginx(pod *corev1.PodSpec, configMap string) {
	pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "conf", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: configMap}}}})
	pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "conf", MountPath: nginxConfPath, SubPath: "nginx.conf", ReadOnly: true})
}

// hpa scales the app Deployment on CPU utilisation of its request, the
// rule scalebench's own autoscaler follows: desired = ceil(current ×
// utilisation / target), between min and max. The scenario's
// stabilization is the scale-down window; its period has no per-HPA
// setting (the controller's --horizontal-pod-autoscaler-sync-period,
// 15 s by default, decides how often).
func hpa(l targets.Layout, o ManifestOptions) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	app, ok := l.Component("app")
	a := o.Autoscale
	switch {
	case !ok || app.Role != targets.RoleApp:
		return nil, fmt.Errorf("autoscale: no app instances to scale")
	case app.CPUs <= 0:
		return nil, fmt.Errorf("autoscale: needs a cpu_budget (the HPA's utilisation is of the pods' CPU request)")
	case a.Min < 1 || a.Max < a.Min || a.TargetCPU <= 0:
		return nil, fmt.Errorf("autoscale: want 1 ≤ min ≤ max and target_cpu > 0, got min %d, max %d, target_cpu %g", a.Min, a.Max, a.TargetCPU)
	}
	minR, util := int32(a.Min), int32(a.TargetCPU*100+0.5)
	window := int32(a.Stabilization.Round(time.Second) / time.Second)
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: meta(l, app, o, Name(l.Target, "app")),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: Name(l.Target, "app")},
			MinReplicas:    &minR,
			MaxReplicas:    int32(a.Max),
			Metrics: []autoscalingv2.MetricSpec{{
				Type:     autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &util}},
			}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window},
			},
		},
	}, nil
}
