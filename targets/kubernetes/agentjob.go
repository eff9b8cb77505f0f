package kubernetes

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/scalebench/scalebench/agents"
)

// jobIndexKey is the annotation (and, from Kubernetes 1.28, the label) the
// Job controller puts on each pod of an Indexed Job: its completion index.
const jobIndexKey = "batch.kubernetes.io/job-completion-index"

// agentStartTimeout bounds how long an agent pod may take to answer a
// clock exchange once it is ready.
const agentStartTimeout = 30 * time.Second

var _ agents.Launcher = AgentLauncher{}

// AgentLauncher runs generator agents as the run's Indexed Job in the
// driver's namespace (run --generators N --agents-in kubernetes): the
// token Secret, the headless Service and the Job of AgentManifests, then
// one port-forward per pod for the coordinator. The agents send load to a
// target's in-cluster Service (agents.Pool.InCluster). Close, and a
// failed or cancelled Start, delete the Job, Service and Secret; the
// run's namespace goes with the driver's Close anyway.
type AgentLauncher struct {
	// Driver is the run's kubernetes driver (client, namespace, run id).
	Driver *Driver
	// CPU is each agent pod's CPU request and limit, in cores (0: none).
	CPU float64
}

// Where implements agents.Launcher.
func (l AgentLauncher) Where() string { return "kubernetes" }

// Start implements agents.Launcher: it returns once every agent pod is
// ready and answers through its port-forward.
func (l AgentLauncher) Start(ctx context.Context, n int) (*agents.Pool, error) {
	d := l.Driver
	token, err := agents.NewToken()
	if err != nil {
		return nil, err
	}
	o := ManifestOptions{Namespace: d.namespace, RunID: d.opts.RunID, Images: d.opts.Images}
	objs, err := AgentManifests(o, AgentsOptions{Count: n, CPU: l.CPU})
	if err != nil {
		return nil, err
	}
	j := &agentJob{d: d, pods: make([]string, n)}
	ok := false
	defer func() {
		if !ok {
			j.close()
		}
	}()
	for _, obj := range append([]runtime.Object{agentSecret(o, token)}, objs...) {
		if err := apply(ctx, d.cs, obj); err != nil {
			return nil, fmt.Errorf("agents: %w", err)
		}
	}
	fmt.Fprintf(d.opts.Log, "kubernetes: %d generator agents as Job %s in %s\n", n, AgentsName, d.namespace)
	wctx, cancel := context.WithTimeout(ctx, d.opts.ReadyTimeout)
	defer cancel()
	if err := j.waitPods(wctx); err != nil {
		return nil, err
	}
	clients, err := j.connect(wctx, token)
	if err != nil {
		return nil, err
	}
	ok = true
	p := agents.NewPool(clients, j.lost, j.close)
	p.InCluster = true
	return p, nil
}

// agentJob is the run's agents' Job as the coordinator holds it.
type agentJob struct {
	d    *Driver
	pods []string // pods[i] is agent i's pod

	mu    sync.Mutex
	stops []func() // the port-forwards
	once  sync.Once
}

func (j *agentJob) selector() string {
	return LabelRun + "=" + dnsName(j.d.opts.RunID) + "," + LabelComponent + "=agent"
}

// waitPods waits until every index 0..n-1 has a running, ready pod.
func (j *agentJob) waitPods(ctx context.Context) error {
	for {
		ready, err := j.readyPods(ctx)
		if err != nil {
			return err
		}
		if ready == len(j.pods) {
			return nil
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return fmt.Errorf("agents: %d of %d agent pods ready: %w%s", ready, len(j.pods), err, podProblems(j.d.cs, j.d.namespace, j.selector()))
		}
	}
}

// readyPods records the ready pod of each index and counts them; a failed
// agent pod fails the Job (backoffLimit 0), so it is an error at once.
func (j *agentJob) readyPods(ctx context.Context) (int, error) {
	list, err := j.d.cs.CoreV1().Pods(j.d.namespace).List(ctx, metav1.ListOptions{LabelSelector: j.selector()})
	if err != nil {
		return 0, fmt.Errorf("agents: list pods: %w", err)
	}
	pods := make([]string, len(j.pods))
	for _, p := range list.Items {
		i, ok := completionIndex(p)
		if !ok || i >= len(pods) || p.DeletionTimestamp != nil {
			continue
		}
		if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
			return 0, fmt.Errorf("agents: agent pod %s ended before the run: %s", p.Name, podEnd(p))
		}
		if p.Status.Phase == corev1.PodRunning && podReady(p) {
			pods[i] = p.Name
		}
	}
	j.pods = pods
	ready := 0
	for _, name := range pods {
		if name != "" {
			ready++
		}
	}
	return ready, nil
}

// completionIndex is pod p's index in its Indexed Job.
func completionIndex(p corev1.Pod) (int, bool) {
	s, ok := p.Annotations[jobIndexKey]
	if !ok {
		s, ok = p.Labels[jobIndexKey]
	}
	i, err := strconv.Atoi(s)
	return i, ok && err == nil && i >= 0
}

// connect forwards a local port to each agent pod and waits until the
// agent answers a clock exchange through it.
func (j *agentJob) connect(ctx context.Context, token string) ([]*agents.Client, error) {
	clients := make([]*agents.Client, len(j.pods))
	for i, pod := range j.pods {
		port, stop, err := j.d.fwd.Forward(ctx, j.d.namespace, pod, AgentPort)
		if err != nil {
			return nil, fmt.Errorf("agents: port-forward to %s: %w", pod, err)
		}
		j.mu.Lock()
		j.stops = append(j.stops, stop)
		j.mu.Unlock()
		clients[i] = &agents.Client{Index: i, URL: "http://127.0.0.1:" + strconv.Itoa(port), Token: token}
		if err := agents.WaitClock(ctx, clients[i], agentStartTimeout); err != nil {
			return nil, fmt.Errorf("agents: agent pod %s: %w", pod, err)
		}
	}
	return clients, nil
}

// lost says why agent i's pod is gone ("" while it runs).
func (j *agentJob) lost(i int) string {
	if i >= len(j.pods) || j.pods[i] == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := j.d.cs.CoreV1().Pods(j.d.namespace).Get(ctx, j.pods[i], metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("agent pod %s was deleted", j.pods[i])
	case err != nil:
		return ""
	case p.DeletionTimestamp != nil:
		return fmt.Sprintf("agent pod %s is being deleted", p.Name)
	case p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded:
		return fmt.Sprintf("agent pod %s ended: %s", p.Name, podEnd(*p))
	}
	return ""
}

// podEnd says how pod p ended.
func podEnd(p corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return fmt.Sprintf("%s, exit code %d %s", p.Status.Phase, t.ExitCode, t.Reason)
		}
	}
	if p.Status.Message != "" {
		return string(p.Status.Phase) + ": " + p.Status.Message
	}
	return string(p.Status.Phase)
}

// close stops the port-forwards and deletes the agents' Job, Service and
// Secret, even when the run's context is cancelled. Safe to call twice.
func (j *agentJob) close() {
	j.once.Do(func() {
		j.mu.Lock()
		for _, stop := range j.stops {
			stop()
		}
		j.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := deleteLabelled(ctx, j.d.cs, j.d.namespace, j.selector()); err != nil {
			j.d.warn("agents: " + err.Error())
		}
	})
}
