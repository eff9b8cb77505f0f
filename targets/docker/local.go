package docker

import (
	"context"
	"os"

	"github.com/ory/dockertest/v3"
)

// LocalUsage reads the CPU seconds and memory in use of the local container
// id whose init process is pid, from its cgroup files (microseconds, where
// the engine's stats API takes about 1.5 s). Other drivers built on the
// same engine (swarm tasks are containers) sample through it.
func LocalUsage(pid int, id string) (cpuSeconds float64, memory uint64, err error) {
	f, err := localCgroup(pid, id)
	if err != nil {
		return 0, 0, err
	}
	u, err := f.read()
	return u.cpuSeconds, u.memory, err
}

// EnsureImage makes sure ref is present locally, pulling it only when
// absent; envVar names the variable that chooses another image, for the
// error message.
func EnsureImage(ctx context.Context, pool *dockertest.Pool, ref, envVar string) error {
	return ensureImage(ctx, pool, ref, envVar)
}

// ImageVersion is the version an image records in its environment under
// key (e.g. NGINX_VERSION), or "".
func ImageVersion(pool *dockertest.Pool, ref, key string) string { return imageVersion(pool, ref, key) }

// Labels are the labels scalebench puts on every resource of run runID:
// the run, and the host name, pid and pid start time of this process, so a
// sweep can tell a live run's resources from a dead one's.
func Labels(runID string) map[string]string {
	return (&Driver{runID: runID}).labels()
}

// Alive reports whether the scalebench process a resource's labels name
// is still running on this host (a resource of another host counts as alive).
func Alive(labels map[string]string) bool {
	if h := labels[LabelHost]; h != "" && h != host() {
		return true
	}
	return alive(labels[LabelPID], labels[LabelPIDStart])
}

func host() string {
	h, _ := os.Hostname()
	return h
}
