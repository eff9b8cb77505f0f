package kubernetes

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// The agents' export decodes strictly: a headless Service and an Indexed
// Job of N pods running `scalebench agent` with the token from a Secret.
func TestExportAgentsDecodesStrictly(t *testing.T) {
	data, err := ExportAgents(ManifestOptions{Namespace: "ns", RunID: "run1", Images: testImages}, AgentsOptions{Count: 3, CPU: 1})
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")[1:]
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2:\n%s", len(docs), data)
	}
	svc, ok := strictDecode(t, []byte(docs[0])).(*corev1.Service)
	if !ok || svc.Spec.ClusterIP != corev1.ClusterIPNone || svc.Name != AgentsName {
		t.Fatalf("first document: %+v", svc)
	}
	job, ok := strictDecode(t, []byte(docs[1])).(*batchv1.Job)
	if !ok {
		t.Fatalf("second document is not a Job:\n%s", docs[1])
	}
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || *s.Completions != 3 || *s.Parallelism != 3 {
		t.Errorf("job spec: mode %v completions %v parallelism %v", s.CompletionMode, s.Completions, s.Parallelism)
	}
	pod := s.Template.Spec
	c := pod.Containers[0]
	if pod.Subdomain != AgentsName || c.Image != testImages.App || c.Args[0] != "agent" || c.Env[0].ValueFrom.SecretKeyRef.Name != AgentTokenSecret ||
		c.Resources.Limits.Cpu().String() != "1" || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("pod: %+v", pod)
	}
	if _, err := AgentManifests(ManifestOptions{Images: testImages}, AgentsOptions{}); err == nil {
		t.Error("0 agents accepted")
	}
}
