package docker

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// modulePath is the module whose cmd/scalebench is built when this
// executable is not static.
const modulePath = "github.com/scalebench/scalebench"

// AppImage makes sure the reference-app image holding binary exists and
// returns its reference, repo:<first 12 hex digits of the binary's
// SHA-256>. The image is built (FROM scratch, the binary as /scalebench)
// only when no image with that tag exists, so a changed binary gets a new
// image and an unchanged one costs nothing.
func AppImage(ctx context.Context, pool *dockertest.Pool, repo, binary string) (string, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return "", fmt.Errorf("app image: read binary: %w", err)
	}
	if err := checkStatic(binary); err != nil {
		return "", fmt.Errorf("app image: %w", err)
	}
	sum := sha256.Sum256(data)
	ref := repo + ":" + hex.EncodeToString(sum[:])[:12]
	if _, err := pool.Client.InspectImage(ref); err == nil {
		return ref, nil
	}
	tarball, err := appContext(data)
	if err != nil {
		return "", fmt.Errorf("app image %s: %w", ref, err)
	}
	var out bytes.Buffer
	err = pool.Client.BuildImage(dc.BuildImageOptions{
		Context:             ctx,
		Name:                ref,
		InputStream:         bytes.NewReader(tarball),
		OutputStream:        &out,
		RmTmpContainer:      true,
		ForceRmTmpContainer: true,
		Labels:              map[string]string{"scalebench.image": "app"},
	})
	if err != nil {
		return "", fmt.Errorf("build app image %s: %w\n%s", ref, err, lastLines(out.String(), 20))
	}
	return ref, nil
}

// appDockerfile is the app image: the static binary and an empty /tmp.
const appDockerfile = `FROM scratch
COPY scalebench /scalebench
COPY tmp /tmp
ENV GOTRACEBACK=single
EXPOSE 8080
ENTRYPOINT ["/scalebench"]
CMD ["serve", "--addr", "0.0.0.0", "--port", "8080"]
`

// appContext is the build context of the app image, as a tar archive.
func appContext(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Unix(0, 0)
	files := []struct {
		name string
		mode int64
		data []byte
		dir  bool
	}{
		{name: "Dockerfile", mode: 0o644, data: []byte(appDockerfile)},
		{name: "scalebench", mode: 0o755, data: binary},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if f.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkStatic returns an error unless path is an ELF executable without a
// program interpreter (a static binary that runs in a FROM scratch image).
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not an ELF executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; build it with CGO_ENABLED=0 (CGO_ENABLED=0 go build ./cmd/scalebench)", path)
		}
	}
	return nil
}

// StaticBinary returns the path of a static scalebench binary for the app
// image: binary when given (it must be static), else this executable when
// it is static, else one built with `CGO_ENABLED=0 go build` into the user
// cache directory when the working directory is inside scalebench's source
// tree and go is on PATH.
func StaticBinary(ctx context.Context, binary string) (string, error) {
	if binary != "" {
		return binary, checkStatic(binary)
	}
	exe, err := os.Executable()
	if err == nil && checkStatic(exe) == nil {
		return exe, nil
	}
	root, rootErr := moduleRoot()
	goBin, goErr := exec.LookPath("go")
	if rootErr != nil || goErr != nil {
		return "", fmt.Errorf("the docker driver needs a static scalebench binary for its app image and %s is dynamically linked: rebuild scalebench with CGO_ENABLED=0 go build ./cmd/scalebench, or pass one with --app-binary", exe)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	out := filepath.Join(cache, "scalebench", "scalebench-static")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("static binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-buildvcs=false", "-o", out, "./cmd/scalebench")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build a static scalebench for the app image (CGO_ENABLED=0 go build ./cmd/scalebench in %s): %w\n%s", root, err, lastLines(string(msg), 20))
	}
	return out, nil
}

// moduleRoot finds the scalebench module's source tree above the working
// directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			sc := bufio.NewScanner(f)
			first := ""
			if sc.Scan() {
				first = strings.TrimSpace(sc.Text())
			}
			f.Close()
			if first == "module "+modulePath {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the scalebench source tree")
		}
		dir = parent
	}
}

// ensureImage makes sure ref is present locally, pulling it only when
// absent. envVar names the variable that chooses another image.
func ensureImage(ctx context.Context, pool *dockertest.Pool, ref, envVar string) error {
	if _, err := pool.Client.InspectImage(ref); err == nil {
		return nil
	}
	repo, tag := splitRef(ref)
	var out bytes.Buffer
	err := pool.Client.PullImage(dc.PullImageOptions{Repository: repo, Tag: tag, Context: ctx, OutputStream: &out}, dc.AuthConfiguration{})
	if err != nil {
		return fmt.Errorf("image %s is not present and could not be pulled: %w; set %s to a local image (offline: `bash fixtures/images/build.sh` builds scalebench/redis:ci and scalebench/nginx:ci from Debian packages)", ref, err, envVar)
	}
	return nil
}

// ImagePresent reports whether the image ref exists in the engine of pool
// (nothing is pulled).
func ImagePresent(pool *dockertest.Pool, ref string) bool { return imagePresent(pool, ref) }

// imagePresent reports whether ref exists locally.
func imagePresent(pool *dockertest.Pool, ref string) bool {
	_, err := pool.Client.InspectImage(ref)
	return err == nil
}

// splitRef splits an image reference into repository and tag (default
// "latest"); a digest reference keeps its digest in the repository.
func splitRef(ref string) (repo, tag string) {
	if strings.Contains(ref, "@") {
		return ref, ""
	}
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[:colon], ref[colon+1:]
	}
	return ref, "latest"
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
