package kubernetes

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// spdyForwarder is `kubectl port-forward` through client-go: a local port
// on 127.0.0.1 relayed by the API server to a pod's port.
type spdyForwarder struct {
	cfg *rest.Config
	cs  kubernetes.Interface
}

// Forward opens 127.0.0.1:<free port> → pod:port until stop is called or
// ctx's parent run ends.
func (f *spdyForwarder) Forward(ctx context.Context, namespace, pod string, port int) (int, func(), error) {
	transport, upgrader, err := spdy.RoundTripperFor(f.cfg)
	if err != nil {
		return 0, nil, err
	}
	u, err := url.Parse(f.cfg.Host)
	if err != nil {
		return 0, nil, err
	}
	u.Path = fmt.Sprintf("%s/api/v1/namespaces/%s/pods/%s/portforward", u.Path, namespace, pod)
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
	stopCh, readyCh := make(chan struct{}), make(chan struct{})
	pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(port)}, stopCh, readyCh, io.Discard, io.Discard)
	if err != nil {
		return 0, nil, err
	}
	errCh := make(chan error, 1)
	go func() { errCh <- pf.ForwardPorts() }()
	select {
	case <-readyCh:
	case err := <-errCh:
		return 0, nil, err
	case <-ctx.Done():
		close(stopCh)
		return 0, nil, ctx.Err()
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) == 0 {
		close(stopCh)
		return 0, nil, fmt.Errorf("port-forward: no local port: %v", err)
	}
	stop := func() {
		close(stopCh)
		<-errCh
	}
	return int(ports[0].Local), stop, nil
}
