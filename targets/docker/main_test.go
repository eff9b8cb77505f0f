package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// Shared by the tests: a static test app binary (serve and balance with
// scalebench's flags), the engine, and the offline nginx and Redis images.
var (
	testBinary string
	testPool   *dockertest.Pool
	nginxImage = firstNonEmpty(os.Getenv(EnvNginxImage), "scalebench/nginx:ci")
	redisImage = firstNonEmpty(os.Getenv(EnvRedisImage), "scalebench/redis:ci")
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "docker-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testBinary = filepath.Join(dir, "testapp")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", testBinary, "./internal/testapp")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build the static test app: %v\n%s", err, out)
		return 1
	}
	testPool, err = Connect(context.Background(), "")
	if err != nil {
		engineMissing = fmt.Sprintf("%v\nThe docker driver's engine tests need a running Docker engine: install docker.io and start it (service docker start).", err)
		testPool = nil
		return m.Run()
	}
	for _, img := range []string{nginxImage, redisImage} {
		if !imagePresent(testPool, img) {
			engineMissing = fmt.Sprintf("image %s is missing: build the offline images with `bash fixtures/images/build.sh` (or set %s / %s)", img, EnvNginxImage, EnvRedisImage)
			break
		}
	}
	return m.Run()
}

// engineMissing says why the engine tests cannot run ("": they can). The
// pure tests (plans, compose) run without an engine; each engine test
// fails with this message, so a missing engine never passes silently.
var engineMissing string

// needEngine fails t when the engine or the offline images are missing.
func needEngine(t *testing.T) {
	t.Helper()
	if engineMissing != "" {
		t.Fatal(engineMissing)
	}
}

// newTestDriver starts a driver with a fresh run id and checks, when the
// test ends, that Close left nothing of the run behind.
func newTestDriver(t *testing.T) *Driver {
	t.Helper()
	return newTestDriverWith(t, testBinary, "scalebench/app-test")
}

// newTestDriverWith is newTestDriver running binary in image appImage.
func newTestDriverWith(t *testing.T, binary, appImage string) *Driver {
	t.Helper()
	needEngine(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	ctx := context.Background()
	d, err := New(ctx, Options{
		RunID:      "test-" + hex.EncodeToString(b),
		Binary:     binary,
		AppImage:   appImage,
		NginxImage: nginxImage,
		RedisImage: redisImage,
		Expire:     5 * time.Minute,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		assertNothingLeft(t, d.RunID())
	})
	return d
}

// assertNothingLeft fails when a container or network labelled with runID
// exists.
func assertNothingLeft(t *testing.T, runID string) {
	t.Helper()
	cs, err := testPool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {LabelRun + "=" + runID}}})
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	for _, c := range cs {
		t.Errorf("container %v (%s) of run %s left behind", c.Names, c.State, runID)
	}
	ns, err := testPool.Client.FilteredListNetworks(dc.NetworkFilterOpts{"label": {LabelRun + "=" + runID: true}})
	if err != nil {
		t.Fatalf("list networks: %v", err)
	}
	for _, n := range ns {
		t.Errorf("network %s of run %s left behind", n.Name, runID)
	}
}
