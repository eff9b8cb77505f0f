package kubernetes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

var _ targets.Driver = (*Driver)(nil)

// Timing.
const (
	defaultReadyTimeout = 3 * time.Minute
	pollEvery           = 500 * time.Millisecond
	cleanupTimeout      = 60 * time.Second
)

// Forwarder opens a local port that reaches port of pod (what `kubectl
// port-forward` does); stop closes it.
type Forwarder interface {
	Forward(ctx context.Context, namespace, pod string, port int) (localPort int, stop func(), err error)
}

// Options configure a Driver.
type Options struct {
	// RunID labels every object; the run's namespace is scalebench-<run id>.
	RunID string
	// Kubeconfig is the kubeconfig file ("" : $KUBECONFIG, ~/.kube/config,
	// or the in-cluster service account — the usual places).
	Kubeconfig string
	// Context is the kubeconfig context ("" : its current context).
	Context string
	// Namespace, when set, is an existing namespace to use instead of a
	// new one per run; the run's objects in it are deleted at the end.
	Namespace string
	// Images are the image references; App must be one the cluster's nodes
	// can pull (build it with `scalebench` and push it to your registry).
	Images Images
	// ReadyTimeout bounds the wait for a target's pods (default 3 min).
	ReadyTimeout time.Duration
	// Client and Forward replace the clientset and the port-forwarder made
	// from the kubeconfig (tests use client-go's fake clientset).
	Client  kubernetes.Interface
	Forward Forwarder
	// Log receives progress lines. Nil: discarded.
	Log io.Writer
}

// Driver runs targets as Deployments and Services in one namespace per run.
type Driver struct {
	opts      Options
	cs        kubernetes.Interface
	fwd       Forwarder
	namespace string
	created   bool // the namespace is the run's own
	version   string

	mu       sync.Mutex
	warnings []string
	closed   atomic.Bool // Close has run
}

// New connects to the cluster named by the kubeconfig and creates the
// run's namespace (or checks the given one exists).
func New(ctx context.Context, opts Options) (*Driver, error) {
	if opts.RunID == "" {
		b := make([]byte, 3)
		_, _ = rand.Read(b)
		opts.RunID = time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b)
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = defaultReadyTimeout
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	d := &Driver{opts: opts, cs: opts.Client, fwd: opts.Forward}
	if d.cs == nil {
		cfg, err := restConfig(opts)
		if err != nil {
			return nil, err
		}
		if d.cs, err = kubernetes.NewForConfig(cfg); err != nil {
			return nil, fmt.Errorf("kubernetes: %w", err)
		}
		if d.fwd == nil {
			d.fwd = &spdyForwarder{cfg: cfg, cs: d.cs}
		}
	}
	if d.fwd == nil {
		return nil, errors.New("kubernetes: no port-forwarder")
	}
	if v, err := d.cs.Discovery().ServerVersion(); err == nil {
		d.version = v.GitVersion
	} else if opts.Client == nil {
		return nil, fmt.Errorf("kubernetes: API server not reachable (check your kubeconfig, `kubectl version`): %w", err)
	}
	if err := d.ensureNamespace(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// restConfig loads the kubeconfig from the usual places.
func restConfig(opts Options) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes: no usable kubeconfig ($KUBECONFIG, ~/.kube/config or in-cluster): %w", err)
	}
	return cfg, nil
}

// ensureNamespace creates scalebench-<run id>, or checks opts.Namespace.
func (d *Driver) ensureNamespace(ctx context.Context) error {
	if d.opts.Namespace != "" {
		d.namespace = d.opts.Namespace
		if _, err := d.cs.CoreV1().Namespaces().Get(ctx, d.namespace, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("kubernetes: namespace %s: %w", d.namespace, err)
		}
		return nil
	}
	d.namespace = dnsName("scalebench-" + d.opts.RunID)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: d.namespace, Labels: map[string]string{LabelScalebench: "1", LabelRun: dnsName(d.opts.RunID)}}}
	if _, err := d.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kubernetes: create namespace %s: %w", d.namespace, err)
	}
	d.created = true
	return nil
}

// Name is "kubernetes".
func (d *Driver) Name() string { return "kubernetes" }

// Namespace is the namespace the run's objects live in.
func (d *Driver) Namespace() string { return d.namespace }

// Warnings are findings about the cluster.
func (d *Driver) Warnings() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.warnings...)
}

func (d *Driver) warn(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range d.warnings {
		if w == msg {
			return
		}
	}
	d.warnings = append(d.warnings, msg)
}

// Environment records the driver, the budget mechanism (CPU request =
// limit) and the API server's version.
func (d *Driver) Environment(env *results.Environment) {
	env.Driver = "kubernetes"
	env.CPUBudgetEnforced = true
	env.CPUBudgetMechanism = "kubernetes"
	if env.Components == nil {
		env.Components = map[string]string{}
	}
	if d.version != "" {
		env.Components["kubernetes"] = d.version
	}
}

// Close deletes the run's namespace (or its objects in the given one). It
// runs even when ctx is already cancelled and is safe to call twice.
func (d *Driver) Close(ctx context.Context) error {
	if !d.closed.CompareAndSwap(false, true) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if !d.created {
		return deleteLabelled(ctx, d.cs, d.namespace, LabelRun+"="+dnsName(d.opts.RunID))
	}
	err := d.cs.CoreV1().Namespaces().Delete(ctx, d.namespace, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("kubernetes: delete namespace %s: %w", d.namespace, err)
	}
	return nil
}
