package runner

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/scalebench/scalebench/results"
)

// Environment describes the machine the run happens on. scenarioPath, when
// it is a file inside a git repository, contributes that repository's commit.
func Environment(driver, version, scenarioPath string) results.Environment {
	env := results.Environment{
		Driver:            driver,
		OS:                runtime.GOOS,
		Arch:              runtime.GOARCH,
		CPUs:              usableCPUs(),
		GoVersion:         runtime.Version(),
		ScalebenchVersion: version,
		Components:        map[string]string{},
	}
	env.Hostname, _ = os.Hostname()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		env.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	env.CPUModel = cpuModel()
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		env.MemoryBytes = uint64(si.Totalram) * uint64(si.Unit)
	}
	env.GitCommit = gitCommit(scenarioPath)
	return env
}

func usableCPUs() int {
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil && set.Count() > 0 {
		return set.Count()
	}
	return runtime.NumCPU()
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// gitCommit returns the commit of the repository holding path, with
// "-dirty" when the scenario file has uncommitted changes.
func gitCommit(path string) string {
	if path == "" {
		return ""
	}
	if _, err := os.Stat(path); err != nil {
		return "" // a built-in suite
	}
	dir := filepath.Dir(path)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := string(bytes.TrimSpace(out))
	st, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--", filepath.Base(path)).Output()
	if err == nil && len(bytes.TrimSpace(st)) > 0 {
		commit += "-dirty"
	}
	return commit
}
