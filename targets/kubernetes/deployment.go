package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// deployment is one target's objects.
type deployment struct {
	d      *Driver
	spec   targets.Spec
	layout targets.Layout
	info   results.Deployment

	endpoint string
	stop     func()

	mu       sync.Mutex
	down     atomic.Bool // Down has run
	cpuSec   float64     // integrated from the metrics API's rates
	lastRead time.Time
}

var _ targets.Deployment = (*deployment)(nil)

func (dep *deployment) selector(component string) string {
	s := LabelRun + "=" + dnsName(dep.d.opts.RunID) + "," + LabelTarget + "=" + dnsName(dep.spec.Name)
	if component != "" {
		s += "," + LabelComponent + "=" + dnsName(component)
	}
	return s
}

// Endpoint is the local end of the port-forward to the entry pod.
func (dep *deployment) Endpoint() string { return dep.endpoint }

// ClusterEndpoint is the entry's base URL inside the cluster (its
// Service's DNS name), where generator agents in the cluster send load.
func (dep *deployment) ClusterEndpoint() string {
	entry, _ := dep.layout.Component(dep.layout.Entry)
	return "http://" + dnsName(entry.Name) + "." + dep.d.namespace + ".svc:" + strconv.Itoa(entry.Port)
}

// Info records what was started.
func (dep *deployment) Info() results.Deployment {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	return dep.info
}

// waitReady waits until component name's Deployment has observed its
// latest spec and every replica is ready and updated.
func (dep *deployment) waitReady(ctx context.Context, name string) error {
	dep.mu.Lock()
	c, _ := dep.layout.Component(name)
	dep.mu.Unlock()
	want := int32(max(c.Replicas, 1))
	deps := dep.d.cs.AppsV1().Deployments(dep.d.namespace)
	for {
		got, err := deps.Get(ctx, Name(dep.spec.Name, name), metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("deployment %s: %w", name, err)
		}
		st := got.Status
		if st.ObservedGeneration >= got.Generation && st.ReadyReplicas >= want && st.UpdatedReplicas >= want && st.Replicas == want {
			return nil
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return fmt.Errorf("deployment %s: %d of %d replicas ready: %w%s", name, st.ReadyReplicas, want, err, dep.podProblems(name))
		}
	}
}

// podProblems describes why component name's pods are not running, for
// errors ("ErrImagePull: …").
func (dep *deployment) podProblems(name string) string {
	return podProblems(dep.d.cs, dep.d.namespace, dep.selector(name))
}

// podProblems describes why the pods matching selector are not running.
func podProblems(cs kubernetes.Interface, namespace, selector string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return ""
	}
	var out []string
	for _, p := range pods.Items {
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && w.Reason != "" {
				out = append(out, p.Name+": "+w.Reason+": "+w.Message)
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " (" + strings.Join(out, "; ") + ")"
}

// forward opens the local port to a ready pod of the entry component.
func (dep *deployment) forward(ctx context.Context) error {
	entry, _ := dep.layout.Component(dep.layout.Entry)
	pod, err := dep.readyPod(ctx, entry.Name)
	if err != nil {
		return err
	}
	port, stop, err := dep.d.fwd.Forward(ctx, dep.d.namespace, pod, entry.Port)
	if err != nil {
		return fmt.Errorf("port-forward to %s: %w", pod, err)
	}
	dep.stop = stop
	dep.endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
	dep.info.Endpoint = dep.endpoint
	return nil
}

func (dep *deployment) readyPod(ctx context.Context, component string) (string, error) {
	pods, err := dep.d.cs.CoreV1().Pods(dep.d.namespace).List(ctx, metav1.ListOptions{LabelSelector: dep.selector(component)})
	if err != nil {
		return "", err
	}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && podReady(p) && p.DeletionTimestamp == nil {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("no ready pod of %s", component)
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podMetrics is the part of metrics.k8s.io's PodMetricsList read here.
type podMetrics struct {
	Items []struct {
		Containers []struct {
			Usage map[string]string `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// Sample reads the target's pods' CPU (cores now, integrated into CPU
// seconds between calls) and memory from metrics.k8s.io, which needs the
// cluster's metrics-server.
func (dep *deployment) Sample(ctx context.Context) (targets.Usage, error) {
	rc := dep.d.cs.Discovery().RESTClient()
	if rc == nil {
		return targets.Usage{}, fmt.Errorf("pod metrics: no REST client")
	}
	raw, err := rc.Get().AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces", dep.d.namespace, "pods").
		Param("labelSelector", dep.selector("")).DoRaw(ctx)
	if err != nil {
		dep.d.warn("kubernetes: pod metrics unavailable (install metrics-server for target CPU and memory): " + err.Error())
		return targets.Usage{}, err
	}
	var m podMetrics
	if err := json.Unmarshal(raw, &m); err != nil {
		return targets.Usage{}, fmt.Errorf("pod metrics: %w", err)
	}
	var cores float64
	var mem uint64
	for _, it := range m.Items {
		for _, c := range it.Containers {
			if q, err := resource.ParseQuantity(c.Usage["cpu"]); err == nil {
				cores += q.AsApproximateFloat64()
			}
			if q, err := resource.ParseQuantity(c.Usage["memory"]); err == nil {
				mem += uint64(q.Value())
			}
		}
	}
	dep.mu.Lock()
	defer dep.mu.Unlock()
	now := time.Now()
	if !dep.lastRead.IsZero() {
		dep.cpuSec += cores * now.Sub(dep.lastRead).Seconds()
	}
	dep.lastRead = now
	return targets.Usage{CPUSeconds: dep.cpuSec, RSSBytes: mem}, nil
}

// Err is non-nil once a pod of the target has restarted or failed: the
// Deployment replaces it, but the target did not hold as started.
func (dep *deployment) Err() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pods, err := dep.d.cs.CoreV1().Pods(dep.d.namespace).List(ctx, metav1.ListOptions{LabelSelector: dep.selector("")})
	if err != nil {
		return nil
	}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodFailed {
			return fmt.Errorf("pod %s failed: %s", p.Name, p.Status.Message)
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.RestartCount > 0 {
				return fmt.Errorf("pod %s: container %s restarted %d times", p.Name, cs.Name, cs.RestartCount)
			}
		}
	}
	return nil
}

// Logs returns the last lines of each pod's log.
func (dep *deployment) Logs() map[string]string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pods, err := dep.d.cs.CoreV1().Pods(dep.d.namespace).List(ctx, metav1.ListOptions{LabelSelector: dep.selector("")})
	if err != nil {
		return nil
	}
	out := map[string]string{}
	tail := int64(40)
	for _, p := range pods.Items {
		rc, err := dep.d.cs.CoreV1().Pods(dep.d.namespace).GetLogs(p.Name, &corev1.PodLogOptions{TailLines: &tail}).Stream(ctx)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
		_ = rc.Close()
		if s := strings.TrimSpace(string(b)); s != "" {
			out[p.Name] = s
		}
	}
	return out
}

// Down stops the port-forward and deletes the target's objects. Safe to
// call twice.
func (dep *deployment) Down(ctx context.Context) error {
	if !dep.down.CompareAndSwap(false, true) {
		return nil
	}
	if dep.stop != nil {
		dep.stop()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := deleteLabelled(ctx, dep.d.cs, dep.d.namespace, dep.selector("")); err != nil {
		return err
	}
	return waitPodsGone(ctx, dep.d.cs, dep.d.namespace, dep.selector(""))
}
