package process

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Budget mechanisms recorded in results.
const (
	mechV1 = "cgroup-v1"
	mechV2 = "cgroup-v2"
)

// cgroupFS finds the cgroup hierarchies and creates per-instance groups
// under <own cgroup>/scalebench/<run id>. Groups are nested under the
// cgroup scalebench itself runs in, so a delegated cgroup v2 subtree (or a
// container's own v1 groups) works and memory limits stay inside the
// limits scalebench already lives under. It writes the control files
// directly: only the cpu and memory controllers are needed, and both v1
// and hybrid hosts are handled with a few lines.
type cgroupFS struct {
	mechanism string // mechV1 or mechV2; "" when unavailable
	cpuParent string // own cgroup dir in the cpu hierarchy (v2: the unified one)
	memParent string // own cgroup dir in the memory hierarchy ("" when absent)
	// pidsParent is the own cgroup dir in the v1 pids hierarchy ("" when
	// absent), where every process is tracked (track.go).
	pidsParent string
	reason     error // why budgets cannot be enforced

	mu      sync.Mutex
	created []string        // dirs created, in creation order
	tops    map[string]bool // the shared "scalebench" dirs used
}

// detectCgroups inspects /proc/self/mountinfo and /proc/self/cgroup.
func detectCgroups() *cgroupFS {
	cg := &cgroupFS{}
	mounts, err := cgroupMounts()
	if err != nil {
		cg.reason = err
		return cg
	}
	own, err := ownCgroups()
	if err != nil {
		cg.reason = err
		return cg
	}
	if m, ok := mounts["pids"]; ok {
		cg.pidsParent = m.dir(own["pids"])
	}
	if m, ok := mounts["2"]; ok && controllersV2(m.point) != nil && slices.Contains(controllersV2(m.point), "cpu") {
		cg.mechanism = mechV2
		cg.cpuParent = m.dir(own[""])
		cg.memParent = cg.cpuParent
		return cg.probe()
	}
	if m, ok := mounts["cpu"]; ok {
		cg.mechanism = mechV1
		cg.cpuParent = m.dir(own["cpu"])
		if mm, ok := mounts["memory"]; ok {
			cg.memParent = mm.dir(own["memory"])
		}
		return cg.probe()
	}
	cg.reason = errors.New("no cgroup cpu controller is mounted")
	return cg
}

// probe checks that a group can be created where budgets would go, so that
// a run without the permission says so from the start (and records it)
// instead of finding out at the first target.
func (cg *cgroupFS) probe() *cgroupFS {
	dir := filepath.Join(cg.cpuParent, fmt.Sprintf("scalebench-probe-%d", os.Getpid()))
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		cg.mechanism, cg.reason = "", fmt.Errorf("cannot create cgroup %s: %w", dir, unwrapPath(err))
		return cg
	}
	_ = os.Remove(dir)
	return cg
}

// mount is one cgroup hierarchy's mount.
type mount struct{ point, root string }

// dir is the directory of cgroup path (as in /proc/self/cgroup) under m.
func (m mount) dir(path string) string {
	rel := path
	if m.root != "/" {
		rel = strings.TrimPrefix(path, m.root)
	}
	return filepath.Join(m.point, rel)
}

// cgroupMounts maps "cpu", "memory", "pids" (v1) and "2" (v2) to their
// mounts.
func cgroupMounts() (map[string]mount, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("find cgroup mounts: %w", err)
	}
	defer f.Close()
	out := map[string]mount{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 3 {
			continue
		}
		m := mount{point: a[4], root: a[3]}
		switch b[0] {
		case "cgroup2":
			if _, seen := out["2"]; !seen || m.point == "/sys/fs/cgroup" {
				out["2"] = m
			}
		case "cgroup":
			for _, opt := range strings.Split(b[2], ",") {
				if opt == "cpu" || opt == "memory" || opt == "pids" {
					out[opt] = m
				}
			}
		}
	}
	return out, sc.Err()
}

// ownCgroups maps controller ("" for v2) to this process's cgroup path.
func ownCgroups() (map[string]string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("read own cgroup: %w", err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out, nil
}

// controllersV2 lists the controllers available in a v2 cgroup dir.
func controllersV2(dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

// limits is what one instance's group enforces.
type limits struct {
	cpus     float64 // CPUs (0: none)
	memoryMB int     // MiB (0: none)
}

// create makes the group rel (e.g. "scalebench/<run>/<target>/worker-1")
// with lim applied, and returns the dirs a process must join.
func (cg *cgroupFS) create(rel string, lim limits) ([]string, error) {
	if cg.mechanism == "" {
		return nil, cg.reason
	}
	cg.mu.Lock()
	defer cg.mu.Unlock()
	if cg.mechanism == mechV2 {
		dir, err := cg.mkdirV2(rel)
		if err != nil {
			return nil, err
		}
		if lim.cpus > 0 {
			if err := writeFile(dir, "cpu.max", fmt.Sprintf("%d %d", quotaUS(lim.cpus), cfsPeriodUS)); err != nil {
				return nil, err
			}
			if err := cg.reserve(cg.cpuParent, rel, "cpu.weight", weightV2(lim.cpus), maxWeightV2); err != nil {
				return nil, err
			}
		}
		if lim.memoryMB > 0 {
			if err := writeFile(dir, "memory.max", strconv.Itoa(lim.memoryMB<<20)); err != nil {
				return nil, err
			}
		}
		return []string{dir}, nil
	}
	var dirs []string
	if lim.cpus > 0 {
		dir, err := cg.mkdirAll(cg.cpuParent, rel)
		if err != nil {
			return nil, err
		}
		if err := writeFile(dir, "cpu.cfs_period_us", strconv.Itoa(cfsPeriodUS)); err != nil {
			return nil, err
		}
		if err := writeFile(dir, "cpu.cfs_quota_us", strconv.Itoa(quotaUS(lim.cpus))); err != nil {
			return nil, err
		}
		if err := cg.reserve(cg.cpuParent, rel, "cpu.shares", sharesV1(lim.cpus), maxSharesV1); err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
	}
	if lim.memoryMB > 0 {
		if cg.memParent == "" {
			return nil, errors.New("no cgroup memory controller is mounted")
		}
		dir, err := cg.mkdirAll(cg.memParent, rel)
		if err != nil {
			return nil, err
		}
		if err := writeFile(dir, "memory.limit_in_bytes", strconv.Itoa(lim.memoryMB<<20)); err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
	}
	return dirs, nil
}

// cfsPeriodUS is the CFS bandwidth period. The kernel's default, 100 ms,
// lets an instance with half a core burn 50 ms and then stall for 50 ms,
// which shows up as a 50 ms latency tail at any load; a 10 ms period keeps
// throttling stalls under 10 ms, so the budget limits throughput without
// inventing latency at moderate load.
const cfsPeriodUS = 10000

// A budget is a cap (the quota) and also a reservation (the weight): on a
// busy machine the scheduler shares a CPU between the groups of a level
// by weight, and every process outside scalebench's groups weighs as much
// as the whole scalebench group does by default — a dozen compilers in the
// root cgroup would leave a target a tenth of its budget, and its figures
// would measure them. So the levels above the targets (scalebench, the
// run, the deployment) get the highest weight, bounded by the quotas
// below them, and each target group a weight in proportion to its budget.
const (
	maxSharesV1 = 262144 // cpu.shares
	maxWeightV2 = 10000  // cpu.weight
)

func sharesV1(cpus float64) int { return max(int(cpus*1024), 2) }
func weightV2(cpus float64) int { return min(max(int(cpus*100), 1), maxWeightV2) }

// reserve writes weight to the leaf of rel under parent and top to each
// level above it.
func (cg *cgroupFS) reserve(parent, rel, file string, weight, top int) error {
	parts := strings.Split(rel, "/")
	dir := parent
	for i, part := range parts {
		dir = filepath.Join(dir, part)
		w := top
		if i == len(parts)-1 {
			w = weight
		}
		if err := writeFile(dir, file, strconv.Itoa(w)); err != nil {
			return err
		}
	}
	return nil
}

// quotaUS is the CFS quota per period for cpus CPUs (≥ 1 ms, the kernel's
// minimum).
func quotaUS(cpus float64) int { return max(int(cpus*cfsPeriodUS), 1000) }

// mkdirV2 creates rel under the own cgroup, enabling the cpu and memory
// controllers for the children of each level on the way.
func (cg *cgroupFS) mkdirV2(rel string) (string, error) {
	dir := cg.cpuParent
	for _, part := range strings.Split(rel, "/") {
		if err := writeFile(dir, "cgroup.subtree_control", "+cpu +memory"); err != nil {
			return "", fmt.Errorf("%w (a cgroup with processes cannot delegate; run scalebench in its own delegated cgroup v2 subtree)", err)
		}
		dir = filepath.Join(dir, part)
		if err := cg.mkdir(dir); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// mkdirAll creates each level of rel under parent, remembering new dirs.
func (cg *cgroupFS) mkdirAll(parent, rel string) (string, error) {
	dir := parent
	for _, part := range strings.Split(rel, "/") {
		dir = filepath.Join(dir, part)
		if err := cg.mkdir(dir); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func (cg *cgroupFS) mkdir(dir string) error {
	if filepath.Base(dir) == "scalebench" {
		if cg.tops == nil {
			cg.tops = map[string]bool{}
		}
		cg.tops[dir] = true
	}
	err := os.Mkdir(dir, 0o755)
	switch {
	case err == nil:
		cg.created = append(cg.created, dir)
		return nil
	case errors.Is(err, os.ErrExist):
		return nil
	default:
		return fmt.Errorf("cannot create cgroup %s: %w", dir, unwrapPath(err))
	}
}

// remove deletes the created dirs under prefix rel (deepest first),
// calling removed for each. Call it once the processes in them are gone; a
// group whose last process was just reaped can stay busy for a moment,
// hence the retries.
func (cg *cgroupFS) remove(rel string, removed func(dir string)) error {
	cg.mu.Lock()
	defer cg.mu.Unlock()
	var errs []error
	kept := cg.created[:0:0]
	for i := len(cg.created) - 1; i >= 0; i-- {
		dir := cg.created[i]
		if !strings.Contains(dir+"/", "/"+rel+"/") {
			kept = append(kept, dir)
			continue
		}
		if err := rmdirRetry(dir); err != nil {
			errs = append(errs, err)
			kept = append(kept, dir)
			continue
		}
		removed(dir)
	}
	slices.Reverse(kept)
	cg.created = kept
	return errors.Join(errs...)
}

func rmdirRetry(dir string) error {
	var err error
	for range 50 {
		err = unix.Rmdir(dir)
		if err == nil || errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("remove cgroup %s: %w", dir, err)
}

// writeFile writes one cgroup control file.
func writeFile(dir, name, value string) error {
	if err := os.WriteFile(filepath.Join(dir, name), []byte(value), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", filepath.Join(dir, name), unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the *PathError wrapper whose path the caller names.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// removeAll deletes every created dir, deepest first. The shared
// top-level "scalebench" dirs are removed when empty, whoever created
// them (another run may still be using them).
func (cg *cgroupFS) removeAll() error {
	cg.mu.Lock()
	defer cg.mu.Unlock()
	var errs []error
	for i := len(cg.created) - 1; i >= 0; i-- {
		dir := cg.created[i]
		if filepath.Base(dir) == "scalebench" {
			_ = unix.Rmdir(dir)
			continue
		}
		if err := rmdirRetry(dir); err != nil {
			errs = append(errs, err)
		}
	}
	for dir := range cg.tops {
		_ = unix.Rmdir(dir)
	}
	cg.created = nil
	return errors.Join(errs...)
}
