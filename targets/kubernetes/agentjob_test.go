package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/scalebench/scalebench/agents"
)

// jobController stands in for the Job controller and the kubelet: for
// each Indexed Job it creates one pod per index, annotated with the index
// as the real controller does, in phase (Running and ready by default) —
// one pod per pass, passes 300 ms apart, so pods appear over several of
// the launcher's polls.
type jobController struct {
	cs    *fake.Clientset
	phase corev1.PodPhase
}

func startJobController(t *testing.T, cs *fake.Clientset, phase corev1.PodPhase) {
	c := &jobController{cs: cs, phase: phase}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			c.reconcile(ctx)
			time.Sleep(300 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func (c *jobController) reconcile(ctx context.Context) {
	nss, _ := c.cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	for _, ns := range nss.Items {
		jobs, _ := c.cs.BatchV1().Jobs(ns.Name).List(ctx, metav1.ListOptions{})
		for _, j := range jobs.Items {
			if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
				continue
			}
			for i := range int(*j.Spec.Completions) {
				idx := strconv.Itoa(i)
				p := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d-x7k2p", j.Name, i), Namespace: ns.Name, Labels: j.Spec.Template.Labels,
						Annotations: map[string]string{jobIndexKey: idx}},
					Status: corev1.PodStatus{Phase: c.phase, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
				}
				if c.phase == corev1.PodFailed {
					p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "agent", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}}}
				}
				if _, err := c.cs.CoreV1().Pods(ns.Name).Create(ctx, p, metav1.CreateOptions{}); err == nil {
					return // one pod per pass
				}
			}
		}
	}
}

// agentForwarder "forwards" to a real agent (agents.Server on loopback)
// per pod, started with the token the pod would get from the run's Secret.
type agentForwarder struct {
	t  *testing.T
	cs *fake.Clientset

	mu    sync.Mutex
	pods  []string
	stops int
}

func (f *agentForwarder) Forward(ctx context.Context, namespace, pod string, port int) (int, func(), error) {
	if port != AgentPort {
		return 0, nil, fmt.Errorf("forward to port %d, want the agent port %d", port, AgentPort)
	}
	sec, err := f.cs.CoreV1().Secrets(namespace).Get(ctx, AgentTokenSecret, metav1.GetOptions{})
	if err != nil {
		return 0, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = (&agents.Server{Token: sec.StringData["token"]}).Serve(sctx, ln)
	}()
	f.t.Cleanup(func() { cancel(); <-done })
	f.mu.Lock()
	f.pods = append(f.pods, pod)
	f.mu.Unlock()
	return ln.Addr().(*net.TCPAddr).Port, func() {
		f.mu.Lock()
		f.stops++
		f.mu.Unlock()
		cancel()
	}, nil
}

// agentObjects counts the run's agent Jobs, Services and Secrets.
func agentObjects(t *testing.T, cs *fake.Clientset, ns, runID string) (jobs, svcs, secrets int) {
	ctx := context.Background()
	sel := metav1.ListOptions{LabelSelector: LabelRun + "=" + runID + "," + LabelComponent + "=agent"}
	j, err1 := cs.BatchV1().Jobs(ns).List(ctx, sel)
	s, err2 := cs.CoreV1().Services(ns).List(ctx, sel)
	x, err3 := cs.CoreV1().Secrets(ns).List(ctx, sel)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	return len(j.Items), len(s.Items), len(x.Items)
}

func newAgentDriver(t *testing.T, cs *fake.Clientset, fwd Forwarder, runID string, ready time.Duration) *Driver {
	d, err := New(context.Background(), Options{RunID: runID, Images: testImages, Client: cs, Forward: fwd, ReadyTimeout: ready})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The launcher creates the token Secret, the headless Service and an
// Indexed Job labelled with the run id, reaches agent i through pod i's
// port-forward, reports a deleted pod as a lost agent, and deletes
// everything on Close.
func TestAgentLauncherIndexedJob(t *testing.T) {
	cs := fake.NewClientset()
	startJobController(t, cs, corev1.PodRunning)
	fwd := &agentForwarder{t: t, cs: cs}
	d := newAgentDriver(t, cs, fwd, "20261202-070000-aa1", 10*time.Second)
	ctx := context.Background()
	pool, err := AgentLauncher{Driver: d, CPU: 1}.Start(ctx, 3)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	job, err := cs.BatchV1().Jobs(d.Namespace()).Get(ctx, AgentsName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *job.Spec.CompletionMode != batchv1.IndexedCompletion || *job.Spec.Completions != 3 || *job.Spec.Parallelism != 3 || job.Labels[LabelRun] != "20261202-070000-aa1" {
		t.Errorf("job: mode %v completions %d parallelism %d labels %v", *job.Spec.CompletionMode, *job.Spec.Completions, *job.Spec.Parallelism, job.Labels)
	}
	if jobs, svcs, secrets := agentObjects(t, cs, d.Namespace(), "20261202-070000-aa1"); jobs != 1 || svcs != 1 || secrets != 1 {
		t.Errorf("after Start: %d jobs, %d services, %d secrets labelled with the run, want 1 each", jobs, svcs, secrets)
	}
	if len(pool.Clients) != 3 || !pool.InCluster {
		t.Fatalf("pool: %d clients, in cluster %v", len(pool.Clients), pool.InCluster)
	}
	for i, c := range pool.Clients {
		if _, err := c.Clock(ctx); err != nil || c.Index != i {
			t.Errorf("agent %d (index %d): clock: %v", i, c.Index, err)
		}
		if want := fmt.Sprintf("%s-%d-x7k2p", AgentsName, i); fwd.pods[i] != want {
			t.Errorf("agent %d forwarded to pod %s, want %s (its completion index)", i, fwd.pods[i], want)
		}
	}
	if s := pool.Lost(1); s != "" {
		t.Errorf("Lost(1) = %q while its pod runs", s)
	}
	if err := cs.CoreV1().Pods(d.Namespace()).Delete(ctx, AgentsName+"-1-x7k2p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := pool.Lost(1); !strings.Contains(s, "was deleted") {
		t.Errorf("Lost(1) = %q after its pod was deleted", s)
	}
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	if jobs, svcs, secrets := agentObjects(t, cs, d.Namespace(), "20261202-070000-aa1"); jobs+svcs+secrets != 0 {
		t.Errorf("after Close: %d jobs, %d services, %d secrets left", jobs, svcs, secrets)
	}
	if fwd.stops != 3 {
		t.Errorf("%d port-forwards stopped, want 3", fwd.stops)
	}
}

// A Start that fails (pods never ready, an agent pod failed) or is
// cancelled deletes the Job, Service and Secret before it returns.
func TestAgentLauncherCleansUpOnFailure(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	for _, tc := range []struct {
		name  string
		phase corev1.PodPhase // "" : no Job controller, no pods
		ctx   context.Context
		want  string
	}{
		{"never ready", "", context.Background(), "0 of 2 agent pods ready"},
		{"pod failed", corev1.PodFailed, context.Background(), "ended before the run: Failed, exit code 1 Error"},
		{"cancelled", "", cancelled, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewClientset()
			if tc.phase != "" {
				startJobController(t, cs, tc.phase)
			}
			ready := 400 * time.Millisecond // below the 500 ms poll: one look
			if tc.phase != "" || tc.ctx != context.Background() {
				ready = time.Minute // the failure or the cancel ends it
			}
			d := newAgentDriver(t, cs, &agentForwarder{t: t, cs: cs}, "run-"+strings.ReplaceAll(tc.name, " ", "-"), ready)
			_, err := AgentLauncher{Driver: d}.Start(tc.ctx, 2)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start = %v, want an error with %q", err, tc.want)
			}
			if jobs, svcs, secrets := agentObjects(t, cs, d.Namespace(), "run-"+strings.ReplaceAll(tc.name, " ", "-")); jobs+svcs+secrets != 0 {
				t.Errorf("after a failed Start: %d jobs, %d services, %d secrets left", jobs, svcs, secrets)
			}
		})
	}
}
