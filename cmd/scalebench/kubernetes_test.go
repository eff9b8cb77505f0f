package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestKubernetesExport exports every quickstart target and decodes each
// document strictly with the Kubernetes API types.
func TestKubernetesExport(t *testing.T) {
	out := t.TempDir()
	mustRunCLI(t, "kubernetes", "export", "--out", out, "--app-image", "registry.example/scalebench/app:1", "--nginx-image", "nginx:1.27", "--redis-image", "redis:7")
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	for target, want := range map[string][]string{
		"single":   {"Namespace", "Service", "Deployment"},
		"cluster":  {"Namespace", "Service", "Deployment"},
		"replicas": {"Namespace", "Service", "Deployment", "ConfigMap", "Service", "Deployment"},
	} {
		data, err := os.ReadFile(filepath.Join(out, target+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, doc := range strings.Split(string(data), "\n---\n")[1:] {
			obj, gvk, err := dec.Decode([]byte(doc), nil, nil)
			if err != nil || obj == nil {
				t.Fatalf("%s: strict decode: %v\n%s", target, err, doc)
			}
			kinds = append(kinds, gvk.Kind)
		}
		if strings.Join(kinds, " ") != strings.Join(want, " ") {
			t.Errorf("%s: kinds %v, want %v", target, kinds, want)
		}
		if !strings.Contains(string(data), "registry.example/scalebench/app:1") {
			t.Errorf("%s: the app image given is not used", target)
		}
	}
}

// TestKubernetesDriverWithoutCluster: no cluster, a clear error, no panic.
func TestKubernetesDriverWithoutCluster(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "absent"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	code, _, stderr := runCLI(t, "run", "quickstart", "--quick", "--driver", "kubernetes", "--out", t.TempDir(), "--no-progress")
	if code != exitRuntime || !strings.Contains(stderr, "kubernetes") || strings.Contains(stderr, "panic") {
		t.Errorf("exit %d, stderr %q; want exit 1 and a kubernetes error", code, stderr)
	}
}

// TestAgentsInKubernetesNeedsTheDriver: the agents' Indexed Job lives in
// the kubernetes driver's namespace, so another driver is a usage error.
func TestAgentsInKubernetesNeedsTheDriver(t *testing.T) {
	code, _, stderr := runCLI(t, "run", "testdata/tiny.yaml", "--quick", "--generators", "2", "--agents-in", "kubernetes", "--out", t.TempDir(), "--no-progress")
	if code != exitUsage || !strings.Contains(stderr, "--agents-in kubernetes: needs --driver kubernetes") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming --driver kubernetes", code, stderr)
	}
}

// TestKubernetesExportAutoscale: a target with autoscale: gets an
// autoscaling/v2 HPA mapped from min, max, target_cpu and stabilization,
// decoded strictly with the Kubernetes API types.
func TestKubernetesExportAutoscale(t *testing.T) {
	out := t.TempDir()
	mustRunCLI(t, "kubernetes", "export", "--scenario", "testdata/autoscale.yaml", "--out", out)
	data, err := os.ReadFile(filepath.Join(out, "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	for _, doc := range strings.Split(string(data), "\n---\n")[1:] {
		obj, _, err := dec.Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("strict decode: %v\n%s", err, doc)
		}
		if h, ok := obj.(*autoscalingv2.HorizontalPodAutoscaler); ok {
			hpa = h
		}
	}
	if hpa == nil {
		t.Fatalf("no HorizontalPodAutoscaler in api.yaml:\n%s", data)
	}
	s := hpa.Spec
	if *s.MinReplicas != 1 || s.MaxReplicas != 4 || *s.Metrics[0].Resource.Target.AverageUtilization != 60 ||
		*s.Behavior.ScaleDown.StabilizationWindowSeconds != 20 || s.ScaleTargetRef.Name != "api-app" {
		t.Errorf("HPA spec %+v", s)
	}
}
