package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/scalebench/scalebench/targets"
)

// Scaling and the runner's faults on Kubernetes objects: replica changes
// through the scale subresource (`kubectl scale`), restarts through a pod
// template annotation (`kubectl rollout restart`), kills as pod deletions
// (`kubectl delete pod`), and a HorizontalPodAutoscaler's decisions read
// from the API (the runner follows them, runner/autoscale.go).

// Scale sets the app instances to to (`kubectl scale deployment
// <target>-app --replicas=to`), waits until they are ready and restarts an
// nginx balancer in front of them. Pods removed get the pod's termination
// grace period, not drain: Kubernetes takes them out of the Service and
// sends SIGTERM itself.
func (dep *deployment) Scale(ctx context.Context, to int, _ time.Duration) error {
	return dep.scaleComponent(ctx, "app", to)
}

// scaleComponent sets component name's replicas through the scale
// subresource, waits until they are ready, and restarts an nginx balancer
// in front of it so it resolves the new set of pods.
func (dep *deployment) scaleComponent(ctx context.Context, name string, replicas int) error {
	if err := dep.setReplicas(ctx, name, replicas); err != nil {
		return err
	}
	return dep.Follow(ctx, replicas)
}

// setReplicas writes component name's replica count (the scale subresource).
func (dep *deployment) setReplicas(ctx context.Context, name string, replicas int) error {
	deps := dep.d.cs.AppsV1().Deployments(dep.d.namespace)
	sc, err := deps.GetScale(ctx, Name(dep.spec.Name, name), metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("scale %s: %w", name, err)
	}
	sc.Spec.Replicas = int32(replicas)
	if _, err := deps.UpdateScale(ctx, Name(dep.spec.Name, name), sc, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("scale %s to %d: %w", name, replicas, err)
	}
	return nil
}

// Follow waits until replicas app instances are ready (whoever set the
// count: Scale, or the cluster's HPA) and restarts an nginx balancer in
// front of them, which resolves the app Service's pods when it starts.
func (dep *deployment) Follow(ctx context.Context, replicas int) error {
	dep.setLayoutReplicas("app", replicas)
	if err := dep.waitReady(ctx, "app"); err != nil {
		return err
	}
	dep.mu.Lock()
	dep.info.Instances = replicas
	dep.mu.Unlock()
	return dep.rebalance(ctx, "app")
}

func (dep *deployment) setLayoutReplicas(name string, replicas int) {
	dep.mu.Lock()
	defer dep.mu.Unlock()
	for i, c := range dep.layout.Components {
		if c.Name == name {
			dep.layout.Components[i].Replicas = replicas
		}
	}
}

// rebalance restarts an nginx balancer whose upstream is component name.
func (dep *deployment) rebalance(ctx context.Context, name string) error {
	if b, ok := dep.layout.Component("balancer"); ok && b.Upstream == name && b.Image == targets.ImageNginx {
		return dep.restart(ctx, b.Name)
	}
	return nil
}

// restart replaces component name's pods, the way `kubectl rollout
// restart` does: a changed annotation on the pod template.
func (dep *deployment) restart(ctx context.Context, name string) error {
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"scalebench/restarted-at":%q}}}}}`, time.Now().UTC().Format(time.RFC3339Nano))
	if _, err := dep.d.cs.AppsV1().Deployments(dep.d.namespace).Patch(ctx, Name(dep.spec.Name, name), types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("restart %s: %w", name, err)
	}
	return dep.waitReady(ctx, name)
}

// AutoscaledReplicas is the app Deployment's replica count, which the
// target's HPA sets, and the CPU utilisation of the request the HPA last
// saw (0 until metrics-server reports one).
func (dep *deployment) AutoscaledReplicas(ctx context.Context) (int, float64, error) {
	d, err := dep.d.cs.AppsV1().Deployments(dep.d.namespace).Get(ctx, Name(dep.spec.Name, "app"), metav1.GetOptions{})
	if err != nil {
		return 0, 0, fmt.Errorf("autoscale: %w", err)
	}
	util := 0.0
	if h, err := dep.d.cs.AutoscalingV2().HorizontalPodAutoscalers(dep.d.namespace).Get(ctx, Name(dep.spec.Name, "app"), metav1.GetOptions{}); err == nil {
		for _, m := range h.Status.CurrentMetrics {
			if r := m.Resource; r != nil && r.Name == corev1.ResourceCPU && r.Current.AverageUtilization != nil {
				util = float64(*r.Current.AverageUtilization) / 100
			}
		}
	}
	return int(*d.Spec.Replicas), util, nil
}

// Kill deletes instance's pod (`kubectl delete pod`; grace period 0 for
// KILL) and returns when the Deployment has a ready replacement and the
// balancer resolves it.
func (dep *deployment) Kill(ctx context.Context, instance, signal string) (time.Time, error) {
	comp, pod, err := dep.instancePod(ctx, instance)
	if err != nil {
		return time.Time{}, err
	}
	opts := metav1.DeleteOptions{}
	if signal != "TERM" {
		opts.GracePeriodSeconds = ptrTo(int64(0))
	}
	pods := dep.d.cs.CoreV1().Pods(dep.d.namespace)
	old, err := pods.Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return time.Time{}, fmt.Errorf("kill %s: %w", instance, err)
	}
	if err := pods.Delete(ctx, pod, opts); err != nil {
		return time.Time{}, fmt.Errorf("kill %s: delete pod %s: %w", instance, pod, err)
	}
	for {
		// Gone, or a new pod by the same name (a StatefulSet would do that).
		if p, err := pods.Get(ctx, pod, metav1.GetOptions{}); apierrors.IsNotFound(err) || err == nil && p.UID != old.UID {
			break
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return time.Time{}, err
		}
	}
	if err := dep.waitReady(ctx, comp); err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	return at, dep.rebalance(ctx, comp)
}

// instancePod is the pod of instance "1"…"N" (the app's ready pods by
// name) or "balancer".
func (dep *deployment) instancePod(ctx context.Context, instance string) (component, pod string, err error) {
	component = "app"
	if instance == "balancer" {
		component = "balancer"
	}
	list, err := dep.d.cs.CoreV1().Pods(dep.d.namespace).List(ctx, metav1.ListOptions{LabelSelector: dep.selector(component)})
	if err != nil {
		return "", "", fmt.Errorf("kill %s: %w", instance, err)
	}
	var ready []string
	for _, p := range list.Items {
		if p.Status.Phase == corev1.PodRunning && podReady(p) && p.DeletionTimestamp == nil {
			ready = append(ready, p.Name)
		}
	}
	slices.Sort(ready)
	i := 1
	if component == "app" {
		if _, err := fmt.Sscan(instance, &i); err != nil || i < 1 {
			return "", "", fmt.Errorf("kill %s: not an instance number", instance)
		}
	}
	if i > len(ready) {
		return "", "", fmt.Errorf("kill %s: %d ready %s pods", instance, len(ready), component)
	}
	return component, ready[i-1], nil
}

// Pause is refused: Kubernetes has no API that stops a pod's processes.
func (dep *deployment) Pause(context.Context, string, time.Duration) error {
	return fmt.Errorf("pause: the Kubernetes API cannot stop a pod's processes (SIGSTOP); use kill or a rolling_restart")
}

// RollingRestart replaces the app's pods as `kubectl rollout restart`
// does (the Deployment's rolling update: new pods ready before old ones
// go; drain is the pods' termination grace period), then restarts the
// balancer.
func (dep *deployment) RollingRestart(ctx context.Context, _ time.Duration) error {
	if err := dep.restart(ctx, "app"); err != nil {
		return err
	}
	return dep.rebalance(ctx, "app")
}

// RedisDown scales Redis to 0 for d and back to 1, waiting until it is
// ready again.
func (dep *deployment) RedisDown(ctx context.Context, d time.Duration) error {
	if _, ok := dep.layout.Component("redis"); !ok {
		return fmt.Errorf("redis_down: the target has no Redis")
	}
	if err := dep.setReplicas(ctx, "redis", 0); err != nil {
		return err
	}
	err := sleepCtx(ctx, d)
	if uerr := dep.setReplicas(context.WithoutCancel(ctx), "redis", 1); uerr != nil {
		return uerr
	}
	if err != nil {
		return err
	}
	return dep.waitReady(ctx, "redis")
}
