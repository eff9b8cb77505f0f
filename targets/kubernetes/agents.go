package kubernetes

import (
	"bytes"
	"fmt"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Generator agents as an Indexed Job (see docs/distributed.md): pod i runs
// `scalebench agent` with its index from JOB_COMPLETION_INDEX and is
// reachable as <job>-<i>.<service> through the headless Service, so a
// coordinator gives pod i the shard i of each step.
const (
	// AgentsName names the Job, its headless Service and its pods' subdomain.
	AgentsName = "scalebench-agents"
	// AgentPort is where an agent pod listens.
	AgentPort = 7070
	// AgentTokenSecret holds the agents' shared token (key "token"); the
	// coordinator creates it per run.
	AgentTokenSecret = "scalebench-agent-token"
	// agentDeadline bounds how long agents may run if nobody deletes them.
	agentDeadline = 6 * 3600
	// agentIdleExit ends an agent the coordinator has stopped talking to
	// (a killed `scalebench run` cannot delete its Job).
	agentIdleExit = "15m"
)

// AgentsOptions shape the agents' Job.
type AgentsOptions struct {
	// Count is the number of agents (completions and parallelism).
	Count int
	// CPU is each agent's CPU request and limit in cores (0: none).
	CPU float64
}

// AgentManifests are the agents' headless Service and Indexed Job.
func AgentManifests(o ManifestOptions, a AgentsOptions) ([]runtime.Object, error) {
	if a.Count < 1 {
		return nil, fmt.Errorf("kubernetes: agents: count must be ≥ 1, got %d", a.Count)
	}
	if o.Images.App == "" {
		return nil, fmt.Errorf("kubernetes: agents: no app image (it holds the scalebench binary)")
	}
	lbl := agentLabels(o.RunID)
	om := metav1.ObjectMeta{Name: AgentsName, Namespace: o.Namespace, Labels: lbl}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: om,
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: lbl,
			Ports: []corev1.ServicePort{{Name: "agent", Port: AgentPort, TargetPort: intstr.FromInt32(AgentPort)}}},
	}
	n := int32(a.Count)
	job := &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: om,
		Spec: batchv1.JobSpec{
			CompletionMode:        ptrTo(batchv1.IndexedCompletion),
			Completions:           &n,
			Parallelism:           &n,
			BackoffLimit:          ptrTo(int32(0)),
			ActiveDeadlineSeconds: ptrTo(int64(agentDeadline)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec:       agentPod(o, a),
			},
		},
	}
	return []runtime.Object{svc, job}, nil
}

// agentLabels are the labels of the agents' objects of run runID.
func agentLabels(runID string) map[string]string {
	return map[string]string{LabelScalebench: "1", LabelRun: dnsName(runID), LabelComponent: "agent"}
}

func agentPod(o ManifestOptions, a AgentsOptions) corev1.PodSpec {
	c := corev1.Container{
		Name:            "agent",
		Image:           o.Images.App,
		ImagePullPolicy: corev1.PullIfNotPresent,
		// The index comes from JOB_COMPLETION_INDEX, which the Job
		// controller sets in every pod of an Indexed Job.
		Args:  []string{"agent", "--listen", "0.0.0.0:" + strconv.Itoa(AgentPort), "--idle-exit", agentIdleExit},
		Ports: []corev1.ContainerPort{{Name: "agent", ContainerPort: AgentPort}},
		// Every agent request needs the token, so readiness is the port.
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(AgentPort)}}, PeriodSeconds: 1},
		Env: []corev1.EnvVar{{Name: "SCALEBENCH_AGENT_TOKEN", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: AgentTokenSecret}, Key: "token"}}}},
	}
	if a.CPU > 0 {
		q := resource.MustParse(strconv.FormatFloat(a.CPU, 'f', -1, 64))
		c.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q}, Limits: corev1.ResourceList{corev1.ResourceCPU: q}}
	}
	return corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Subdomain:     AgentsName, // pod i is <job>-<i>.scalebench-agents
		Containers:    []corev1.Container{c},
	}
}

// ExportAgents renders the agents' objects as one YAML file for kubectl
// apply (the token Secret is the user's: kubectl create secret generic
// scalebench-agent-token --from-literal=token=…).
func ExportAgents(o ManifestOptions, a AgentsOptions) ([]byte, error) {
	objs, err := AgentManifests(o, a)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# scalebench generator agents (%d, Indexed Job): create the Secret %s (key token), then kubectl apply -f this file\n", a.Count, AgentTokenSecret)
	for _, obj := range objs {
		doc, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(doc)
	}
	return b.Bytes(), nil
}

// agentSecret holds the run's agent token, which the agent pods read
// from their environment.
func agentSecret(o ManifestOptions, token string) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: AgentTokenSecret, Namespace: o.Namespace, Labels: agentLabels(o.RunID)},
		StringData: map[string]string{"token": token},
	}
}

func ptrTo[T any](v T) *T { return &v }
