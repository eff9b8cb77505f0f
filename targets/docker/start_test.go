package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"strings"
	"testing"

	dc "github.com/ory/dockertest/v3/docker"
)

// noCmdImage builds (once per engine) a FROM scratch image holding one
// small file and a CMD that does not exist, so starting it fails.
func noCmdImage(t *testing.T) string {
	t.Helper()
	const ref = "scalebench/test-nocmd:1"
	if imagePresent(testPool, ref) {
		return ref
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string]string{
		"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\nCMD [\"/no-such-server\"]\n",
		"hello.txt":  "hello\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := testPool.Client.BuildImage(dc.BuildImageOptions{Name: ref, InputStream: &buf, OutputStream: &out, RmTmpContainer: true, ForceRmTmpContainer: true}); err != nil {
		t.Fatalf("build %s: %v\n%s", ref, err, out.String())
	}
	return ref
}

// A container whose command does not exist fails to start: start returns
// the engine's error (it used to panic removing the container) and removes
// what it created.
func TestStartErrorNoPanic(t *testing.T) {
	needEngine(t)
	d := newTestDriver(t)
	img := noCmdImage(t)
	c, err := d.start(context.Background(), containerSpec{target: "nocmd", role: "app", name: containerName("sb", d.RunID(), "nocmd"), image: img, port: 8080})
	if err == nil || c != nil {
		t.Fatalf("start(%s) = %v, %v; want nil and an error", img, c, err)
	}
	if !strings.Contains(err.Error(), "start app container") {
		t.Errorf("start error = %v, want it to say the app container did not start", err)
	}
	// newTestDriver's cleanup asserts that nothing of the run is left.
}
