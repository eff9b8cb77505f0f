package kubernetes

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// Up plans the target, applies its manifests in order, waits until every
// Deployment's pods are ready (the API's readiness, from the probes), and
// forwards a local port to the entry pod. On failure it deletes what it
// created.
func (d *Driver) Up(ctx context.Context, spec targets.Spec) (targets.Deployment, error) {
	if spec.RunID != "" && spec.RunID != d.opts.RunID {
		return nil, fmt.Errorf("target %q: run id %q differs from the kubernetes driver's %q", spec.Name, spec.RunID, d.opts.RunID)
	}
	if spec.Topology == "" && spec.Image != "" {
		spec.Topology = "image"
	}
	if spec.Balancer == "" || spec.Balancer == "auto" {
		spec.Balancer = "nginx"
	}
	l, err := targets.PlanImages(spec)
	if err != nil {
		return nil, err
	}
	objs, err := Manifests(l, ManifestOptions{Namespace: d.namespace, RunID: d.opts.RunID, Images: d.opts.Images, Autoscale: spec.Autoscale})
	if err != nil {
		return nil, err
	}
	dep := &deployment{d: d, spec: spec, layout: l, info: info(spec, l, d.opts.Images)}
	ok := false
	defer func() {
		if !ok {
			_ = dep.Down(context.WithoutCancel(ctx))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, d.opts.ReadyTimeout)
	defer cancel()
	for _, o := range objs {
		if err := apply(ctx, d.cs, o); err != nil {
			return nil, fmt.Errorf("target %q: %w", spec.Name, err)
		}
	}
	for _, c := range l.Components {
		if err := dep.waitReady(ctx, c.Name); err != nil {
			return nil, fmt.Errorf("target %q: %w", spec.Name, err)
		}
	}
	if err := dep.forward(ctx); err != nil {
		return nil, fmt.Errorf("target %q: %w", spec.Name, err)
	}
	ok = true
	return dep, nil
}

// apply creates o in its namespace.
func apply(ctx context.Context, cs kubernetes.Interface, o runtime.Object) error {
	var err error
	switch v := o.(type) {
	case *corev1.ConfigMap:
		_, err = cs.CoreV1().ConfigMaps(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
	case *corev1.Service:
		_, err = cs.CoreV1().Services(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
	case *appsv1.Deployment:
		_, err = cs.AppsV1().Deployments(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
	case *autoscalingv2.HorizontalPodAutoscaler:
		_, err = cs.AutoscalingV2().HorizontalPodAutoscalers(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
	case *corev1.Secret:
		_, err = cs.CoreV1().Secrets(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
	case *batchv1.Job:
		_, err = cs.BatchV1().Jobs(v.Namespace).Create(ctx, v, metav1.CreateOptions{})
	default:
		return fmt.Errorf("apply: unexpected object %T", o)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", o.GetObjectKind().GroupVersionKind().Kind, err)
	}
	return nil
}

// deleteLabelled deletes the Jobs, HPAs, Deployments, Services, ConfigMaps
// and Secrets in namespace matching selector, one by one (what the API
// server's DeleteCollection does, and what client-go's fake tracker also
// serves). Jobs and Deployments go in the foreground, so their pods go
// first; the rest at once (background), so that a next target's objects of
// the same name are not refused while the garbage collector catches up.
func deleteLabelled(ctx context.Context, cs kubernetes.Interface, namespace, selector string) error {
	opts := metav1.ListOptions{LabelSelector: selector}
	fg, bg := metav1.DeletePropagationForeground, metav1.DeletePropagationBackground
	front, back := metav1.DeleteOptions{PropagationPolicy: &fg}, metav1.DeleteOptions{PropagationPolicy: &bg}
	jobs, hpas, deps := cs.BatchV1().Jobs(namespace), cs.AutoscalingV2().HorizontalPodAutoscalers(namespace), cs.AppsV1().Deployments(namespace)
	svcs, cms, secrets := cs.CoreV1().Services(namespace), cs.CoreV1().ConfigMaps(namespace), cs.CoreV1().Secrets(namespace)
	var errs []error
	errs = deleteEach(ctx, errs, front, jobs.Delete, func() ([]string, error) { l, err := jobs.List(ctx, opts); return names(l, err) })
	errs = deleteEach(ctx, errs, back, hpas.Delete, func() ([]string, error) { l, err := hpas.List(ctx, opts); return names(l, err) })
	errs = deleteEach(ctx, errs, front, deps.Delete, func() ([]string, error) { l, err := deps.List(ctx, opts); return names(l, err) })
	errs = deleteEach(ctx, errs, back, svcs.Delete, func() ([]string, error) { l, err := svcs.List(ctx, opts); return names(l, err) })
	errs = deleteEach(ctx, errs, back, cms.Delete, func() ([]string, error) { l, err := cms.List(ctx, opts); return names(l, err) })
	errs = deleteEach(ctx, errs, back, secrets.Delete, func() ([]string, error) { l, err := secrets.List(ctx, opts); return names(l, err) })
	if len(errs) > 0 {
		return fmt.Errorf("kubernetes: delete %s in %s: %v", selector, namespace, errs)
	}
	return nil
}

// waitPodsGone waits until no pod matches selector, so that the next
// target does not share the nodes' CPUs with pods still terminating.
func waitPodsGone(ctx context.Context, cs kubernetes.Interface, namespace, selector string) error {
	for {
		pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return fmt.Errorf("kubernetes: list pods %s: %w", selector, err)
		}
		if len(pods.Items) == 0 {
			return nil
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return fmt.Errorf("kubernetes: %d pods of %s still terminating: %w", len(pods.Items), selector, err)
		}
	}
}

// deleteEach deletes every object list names, collecting errors other
// than "not found".
func deleteEach(ctx context.Context, errs []error, opts metav1.DeleteOptions, del func(context.Context, string, metav1.DeleteOptions) error, list func() ([]string, error)) []error {
	keep := func(err error) {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	ns, err := list()
	keep(err)
	for _, n := range ns {
		keep(del(ctx, n, opts))
	}
	return errs
}

// names lists the names of a typed list's items.
func names(list runtime.Object, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	items, err := apimeta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if o, ok := it.(metav1.Object); ok {
			out = append(out, o.GetName())
		}
	}
	return out, nil
}

func info(spec targets.Spec, l targets.Layout, im Images) results.Deployment {
	in := results.Deployment{
		Driver:            "kubernetes",
		Instances:         l.Instances,
		Balancer:          l.Balancer,
		GOMAXPROCS:        spec.GOMAXPROCS,
		CPUBudget:         spec.CPUBudget,
		CPUBudgetEnforced: spec.CPUBudget > 0,
		Images:            map[string]string{},
		Notes:             append([]string(nil), l.Notes...),
	}
	if l.Balancer != "" && l.Balancer != "kernel" {
		in.BalancerPolicy = l.Policy
	}
	if spec.MemoryMB > 0 {
		in.MemoryLimitBytes = uint64(spec.MemoryMB) << 20
	}
	for _, c := range l.Components {
		if ref, err := imageOf(c, im); err == nil {
			in.Images[c.Name] = ref
		}
	}
	in.Notes = append(in.Notes, "load reaches the entry pod through a port-forward from this machine: the API server relays every byte, so this measures the cluster and that path together")
	return in
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
