package kubernetes

import (
	"bytes"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/scalebench/scalebench/targets"
)

// Export renders spec's layout as one multi-document YAML file for
// `kubectl apply -f`: the namespace, then the objects in apply order.
func Export(spec targets.Spec, o ManifestOptions) ([]byte, error) {
	if spec.Balancer == "" || spec.Balancer == "auto" {
		spec.Balancer = "nginx"
	}
	l, err := targets.PlanImages(spec)
	if err != nil {
		return nil, err
	}
	o.Autoscale = spec.Autoscale
	objs, err := Manifests(l, o)
	if err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: o.Namespace, Labels: map[string]string{LabelScalebench: "1"}}}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# scalebench target %q (topology %s): kubectl apply -f this file\n", spec.Name, spec.Topology)
	for _, obj := range append([]any{ns}, toAny(objs)...) {
		doc, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(doc)
	}
	return b.Bytes(), nil
}

func toAny[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
