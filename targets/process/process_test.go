package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/app"
	"github.com/scalebench/scalebench/results"
	"github.com/scalebench/scalebench/targets"
)

// newTestDriver returns a driver running this test binary as the app.
func newTestDriver(t *testing.T) *Driver {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d := New(Options{Exe: exe, LogDir: t.TempDir(), RunID: "test-" + strconv.Itoa(os.Getpid()),
		Warnf: func(f string, a ...any) { t.Logf("warning: "+f, a...) }})
	t.Cleanup(func() {
		if err := d.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

// up starts spec and registers Down.
func up(t *testing.T, d *Driver, spec targets.Spec) *Deployment {
	t.Helper()
	if spec.Name == "" {
		spec.Name = t.Name()
	}
	if spec.StartupTimeout == 0 {
		spec.StartupTimeout = 10 * time.Second
	}
	dep, err := d.up(context.Background(), spec)
	if err != nil {
		t.Fatalf("Up(%s): %v", spec.Topology, err)
	}
	t.Cleanup(func() { _ = dep.Down(context.Background()) })
	return dep
}

// get fetches url on a new connection and returns status, instance, body.
func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get(app.InstanceHeader), string(b)
}

// instancesSeen sends n requests and counts responses per instance.
func instancesSeen(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		code, id, body := get(t, url)
		if code != 200 {
			t.Fatalf("GET %s = %d %q", url, code, body)
		}
		seen[id]++
	}
	return seen
}

// allPIDs lists every process of dep, descendants included.
func allPIDs(t *testing.T, dep *Deployment) []int {
	t.Helper()
	stats, err := allStats()
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	var walk func(pid int)
	walk = func(pid int) {
		out = append(out, pid)
		for c, st := range stats {
			if st.PPID == pid {
				walk(c)
			}
		}
	}
	for _, p := range dep.procs {
		walk(p.pid())
	}
	return out
}

// checkGone fails when any of pids still exists.
func checkGone(t *testing.T, pids []int) {
	t.Helper()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Down (kill 0: %v)", pid, err)
		}
	}
}

// procStatus reads a field of /proc/<pid>/status.
func procStatus(t *testing.T, pid int, name string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	return field(string(b), name)
}

func TestSingle(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "single", GOMAXPROCS: 1})
	for _, path := range []string{"/", "/work?cpu=5ms", "/io?delay=5ms", "/healthz"} {
		code, id, body := get(t, dep.Endpoint()+path)
		if code != 200 || id != "instance-1" {
			t.Errorf("GET %s = %d, instance %q, body %q; want 200 from instance-1", path, code, id, body)
		}
	}
	pid := dep.procs[0].pid()
	env, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if !slices.Contains(strings.Split(string(env), "\x00"), "GOMAXPROCS=1") {
		t.Errorf("instance environment lacks GOMAXPROCS=1")
	}
	_, want := Placement()
	if len(want) > 0 {
		got := procStatus(t, pid, "Cpus_allowed_list")
		if got != cpuList(want) {
			t.Errorf("instance Cpus_allowed_list = %q, want %q", got, cpuList(want))
		}
	}
	u, err := dep.Sample(context.Background())
	if err != nil || u.RSSBytes == 0 {
		t.Errorf("Sample = %+v, %v; want RSS > 0", u, err)
	}
	info := dep.Info()
	if info.Instances != 1 || info.Endpoint != dep.Endpoint() || info.GOMAXPROCS != 1 {
		t.Errorf("Info = %+v", info)
	}
	pids := allPIDs(t, dep)
	if err := dep.Down(context.Background()); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if err := dep.Down(context.Background()); err != nil {
		t.Errorf("second Down: %v", err)
	}
	checkGone(t, pids)
	if err := dep.Err(); err != nil {
		t.Errorf("Err after Down = %v, want nil", err)
	}
}

// cpuList formats cpus like /proc's Cpus_allowed_list for short lists.
func cpuList(cpus []int) string {
	if len(cpus) > 1 && cpus[len(cpus)-1]-cpus[0] == len(cpus)-1 {
		return fmt.Sprintf("%d-%d", cpus[0], cpus[len(cpus)-1])
	}
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}

func TestCluster(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "cluster", Instances: 2, GOMAXPROCS: 1, CPUBudget: 0.5})
	waitSeen(t, dep.Endpoint()+"/", "worker-1", "worker-2")
	if info := dep.Info(); info.Balancer != "kernel" || info.Instances != 2 || !info.CPUBudgetEnforced {
		t.Errorf("Info = %+v, want kernel balancer, 2 instances, budget enforced", info)
	}
	w1 := workerPID(t, dep, "worker-1")
	if cg := cgroupOf(t, w1); !strings.Contains(cg, "/worker-1") {
		t.Errorf("worker-1 cgroup = %q, want its slot's group", cg)
	}
	if err := syscall.Kill(w1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		// The primary moves a restarted worker into its slot's cgroup
		// right after starting it.
		if p := findWorker(t, dep, "worker-1"); p != 0 && p != w1 && strings.Contains(cgroupOf(t, p), "/worker-1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker-1 not restarted into its cgroup within 5 s; primary log:\n%s", dep.Logs()["primary"])
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitSeen(t, dep.Endpoint()+"/", "worker-1", "worker-2")
	if err := dep.Err(); err != nil {
		t.Errorf("Err after a worker restart = %v, want nil", err)
	}
	pids := allPIDs(t, dep)
	if len(pids) != 3 {
		t.Errorf("cluster processes = %v, want primary + 2 workers", pids)
	}
	if err := dep.Down(context.Background()); err != nil {
		t.Fatalf("Down: %v", err)
	}
	checkGone(t, pids)
}

// waitSeen sends requests until every id answered (at most 400).
func waitSeen(t *testing.T, url string, ids ...string) {
	t.Helper()
	seen := map[string]int{}
	for range 400 {
		_, id, _ := get(t, url)
		seen[id]++
		if all(ids, func(id string) bool { return seen[id] > 0 }) {
			return
		}
	}
	t.Fatalf("responses per instance = %v, want all of %v", seen, ids)
}

func all[T any](xs []T, f func(T) bool) bool {
	for _, x := range xs {
		if !f(x) {
			return false
		}
	}
	return true
}

// findWorker returns the pid of the primary's child serving slot id.
func findWorker(t *testing.T, dep *Deployment, id string) int {
	t.Helper()
	for _, pid := range allPIDs(t, dep)[1:] {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if err == nil && strings.Contains(string(b), "\x00"+id+"\x00") {
			return pid
		}
	}
	return 0
}

func workerPID(t *testing.T, dep *Deployment, id string) int {
	t.Helper()
	pid := findWorker(t, dep, id)
	if pid == 0 {
		t.Fatalf("no process for %s", id)
	}
	return pid
}

// cgroupOf returns the cpu cgroup line(s) of pid.
func cgroupOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReplicas(t *testing.T) {
	if _, err := lookNginx(); err != nil {
		t.Fatalf("nginx is needed for this test: %v (install it: apt-get install -y nginx)", err)
	}
	d := newTestDriver(t)
	for _, balancer := range []string{"nginx", "go"} {
		for _, policy := range []string{app.RoundRobin, app.LeastConn} {
			t.Run(balancer+"/"+policy, func(t *testing.T) {
				dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: balancer, Policy: policy, GOMAXPROCS: 1})
				seen := instancesSeen(t, dep.Endpoint()+"/", 20)
				if seen["instance-1"] == 0 || seen["instance-2"] == 0 {
					t.Errorf("responses per instance = %v, want both instances", seen)
				}
				info := dep.Info()
				if info.Balancer != balancer || info.BalancerPolicy != policy || info.Instances != 2 {
					t.Errorf("Info = %+v, want balancer %s, policy %s, 2 instances", info, balancer, policy)
				}
				if balancer == "nginx" && info.Components["nginx"] == "" {
					t.Errorf("Info.Components = %v, want the nginx version", info.Components)
				}
				u1, _ := dep.Sample(context.Background())
				instancesSeen(t, dep.Endpoint()+"/work?cpu=20ms", 10)
				u2, _ := dep.Sample(context.Background())
				if got := u2.CPUSeconds - u1.CPUSeconds; got < 0.15 {
					t.Errorf("CPU sampled over 10×20 ms of work = %.2f s, want ≥ 0.15", got)
				}
				pids := allPIDs(t, dep)
				if err := dep.Down(context.Background()); err != nil {
					t.Fatal(err)
				}
				checkGone(t, pids)
			})
		}
	}
	env := results.Environment{}
	d.Environment(&env)
	if env.Components["nginx"] == "" {
		t.Errorf("Environment.Components = %v, want nginx", env.Components)
	}
}

func TestBalancerNginxMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := nginxSearchDirs
	nginxSearchDirs = nil
	t.Cleanup(func() { nginxSearchDirs = saved })
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: "auto"})
	info := dep.Info()
	if info.Balancer != "go" || !slices.Contains(info.Notes, nginxMissing) {
		t.Errorf("Info = %+v, want the go balancer and the note %q", info, nginxMissing)
	}
	if !slices.Contains(d.Warnings(), nginxMissing) {
		t.Errorf("Warnings = %v, want %q", d.Warnings(), nginxMissing)
	}
	_, err := d.Up(context.Background(), targets.Spec{Name: "n", Topology: "replicas", Balancer: "nginx"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y nginx") {
		t.Errorf("Up(balancer nginx, not installed) = %v, want how to install it", err)
	}
}

func TestCommand(t *testing.T) {
	exe, _ := os.Executable()
	d := newTestDriver(t)
	t.Run("one", func(t *testing.T) {
		dep := up(t, d, targets.Spec{Topology: "command", Command: []string{exe, "serve", "--id", "mine"},
			Env: map[string]string{"FOO": "bar"}, Dir: t.TempDir(), Health: "/healthz"})
		if _, id, _ := get(t, dep.Endpoint()+"/"); id != "mine" {
			t.Errorf("instance = %q, want %q", id, "mine")
		}
	})
	t.Run("two behind go", func(t *testing.T) {
		dep := up(t, d, targets.Spec{Topology: "command", Instances: 2, Balancer: "go",
			Command: []string{exe, "serve", "--id", "mine"}, Health: "/healthz"})
		if seen := instancesSeen(t, dep.Endpoint()+"/", 4); seen["mine"] != 4 {
			t.Errorf("responses = %v, want 4 from mine", seen)
		}
		if info := dep.Info(); info.Instances != 2 || info.Balancer != "go" {
			t.Errorf("Info = %+v", info)
		}
	})
}

func TestStartupFailure(t *testing.T) {
	exe, _ := os.Executable()
	d := newTestDriver(t)
	_, err := d.Up(context.Background(), targets.Spec{Name: "x", Topology: "command", Command: []string{exe, "fail"}, StartupTimeout: 10 * time.Second})
	want := "target \"x\": instance 1 exited during startup: exit status 2\n"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "boom: bad config") {
		t.Errorf("Up(failing command) = %v, want %q + log tail", err, want)
	}
}

func TestReadinessTimeout(t *testing.T) {
	exe, _ := os.Executable()
	d := newTestDriver(t)
	start := time.Now()
	_, err := d.Up(context.Background(), targets.Spec{Name: "slow", Topology: "command", Command: []string{exe, "hang"}, StartupTimeout: 300 * time.Millisecond})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "startup timeout 300ms") {
		t.Errorf("Up(never ready) = %v, want a startup timeout error", err)
	}
	// 300 ms of waiting plus up to 2 s for a process ignoring SIGTERM.
	if took > 4*time.Second {
		t.Errorf("Up(never ready) took %s, want about 2.3 s", took)
	}
	if n := len(d.live); n != 0 {
		t.Errorf("%d deployments still tracked after a failed Up", n)
	}
}

func TestDiesMidRun(t *testing.T) {
	exe, _ := os.Executable()
	d := newTestDriver(t)
	t.Run("killed", func(t *testing.T) {
		dep := up(t, d, targets.Spec{Topology: "single"})
		syscall.Kill(dep.procs[0].pid(), syscall.SIGKILL)
		waitErr(t, dep, "instance 1 exited unexpectedly: signal: killed")
	})
	t.Run("crashes", func(t *testing.T) {
		dep := up(t, d, targets.Spec{Topology: "command", Command: []string{exe, "crash"}, Health: "/healthz"})
		waitErr(t, dep, "exit status 3")
	})
}

func waitErr(t *testing.T, dep *Deployment, want string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for dep.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := dep.Err(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Err() = %v, want it to contain %q", err, want)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: "go"})
	pids := allPIDs(t, dep)
	start := time.Now()
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkGone(t, pids)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Close took %s, want < 3 s", took)
	}
	if _, err := d.Up(context.Background(), targets.Spec{Name: "late", Topology: "single"}); err == nil {
		t.Errorf("Up after Close = nil error, want one")
	}
}

func TestURL(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "url", URL: "http://127.0.0.1:9/"})
	if got, want := dep.Endpoint(), "http://127.0.0.1:9"; got != want {
		t.Errorf("Endpoint = %q, want %q", got, want)
	}
	if _, err := dep.Sample(context.Background()); !errors.Is(err, ErrNoUsage) {
		t.Errorf("Sample = %v, want ErrNoUsage", err)
	}
	if _, err := d.Up(context.Background(), targets.Spec{Name: "bad", Topology: "url", URL: "ftp://x"}); err == nil {
		t.Errorf("Up(url ftp://x) = nil error, want one")
	}
}

// TestCPUBudget hammers /work on an instance limited to 0.25 CPU for
// about a second and checks the sampled CPU use: a loose sanity check
// that the quota is enforced (the work per request is fixed in CPU time,
// so the quota shows up as wall time).
func TestCPUBudget(t *testing.T) {
	d := newTestDriver(t)
	dep := up(t, d, targets.Spec{Topology: "single", CPUBudget: 0.25, GOMAXPROCS: 1})
	if info := dep.Info(); !info.CPUBudgetEnforced {
		t.Fatalf("Info.CPUBudgetEnforced = false; warnings: %v", d.Warnings())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	u0, err := dep.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	client := &http.Client{}
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", dep.Endpoint()+"/work?cpu=10ms", nil)
				if resp, err := client.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	u1, err := dep.Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cores := (u1.CPUSeconds - u0.CPUSeconds) / time.Since(start).Seconds()
	t.Logf("CPU budget 0.25: sampled %.3f cores", cores)
	if cores < 0.15 || cores > 0.35 {
		t.Errorf("sampled CPU with a 0.25 budget = %.3f cores, want 0.25 ± 0.1", cores)
	}
	env := results.Environment{}
	d.Environment(&env)
	if !env.CPUBudgetEnforced || !strings.HasPrefix(env.CPUBudgetMechanism, "cgroup-") {
		t.Errorf("Environment budget = %v %q, want enforced by a cgroup", env.CPUBudgetEnforced, env.CPUBudgetMechanism)
	}
	dirs := slices.Clone(d.cg.created)
	checkReserved(t, dirs, sharesV1(0.25), weightV2(0.25))
	if err := dep.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, dir := range dirs {
		if strings.Contains(dir, dep.cgRel) {
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("cgroup %s still exists after Down", dir)
			}
		}
	}
}

// checkReserved checks that the budget reserves as well as caps: the
// instance's cgroup weighs in proportion to its budget, the levels above
// it (scalebench, the run, the deployment) at the highest weight.
func checkReserved(t *testing.T, dirs []string, shares, weight int) {
	t.Helper()
	checked := 0
	for _, dir := range dirs {
		for file, leaf := range map[string]int{"cpu.shares": shares, "cpu.weight": weight} {
			b, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				continue
			}
			want := map[string]int{"cpu.shares": maxSharesV1, "cpu.weight": maxWeightV2}[file]
			if filepath.Base(dir) == "instance-1" {
				want = leaf
			}
			if got := strings.TrimSpace(string(b)); got != strconv.Itoa(want) {
				t.Errorf("%s/%s = %s, want %d", dir, file, got, want)
			}
			checked++
		}
	}
	if checked < 3 {
		t.Errorf("checked the weight of %d cgroups in %v, want the instance's and the 2 levels the run created above it", checked, dirs)
	}
}

// TestBudgetNotPermitted simulates a host where cgroups cannot be
// created: the target still runs, with a warning and the budget recorded
// as not enforced.
func TestBudgetNotPermitted(t *testing.T) {
	d := newTestDriver(t)
	d.cgOnce.Do(func() {
		d.cg = &cgroupFS{reason: errors.New("cannot create cgroup /sys/fs/cgroup/cpu/scalebench: permission denied")}
	})
	dep := up(t, d, targets.Spec{Topology: "single", CPUBudget: 0.5})
	if info := dep.Info(); info.CPUBudgetEnforced {
		t.Errorf("Info.CPUBudgetEnforced = true, want false")
	}
	want := "CPU budgets not enforced: cannot create cgroup /sys/fs/cgroup/cpu/scalebench: permission denied (run as root or with a delegated cgroup v2 subtree)"
	if !slices.Contains(d.Warnings(), want) {
		t.Errorf("Warnings = %q, want %q", d.Warnings(), want)
	}
	env := results.Environment{}
	d.Environment(&env)
	if env.CPUBudgetEnforced || env.CPUBudgetMechanism != "" {
		t.Errorf("Environment budget = %v %q, want not enforced", env.CPUBudgetEnforced, env.CPUBudgetMechanism)
	}
}

func TestPlacement(t *testing.T) {
	cpus, err := usableCPUs(0)
	if err != nil {
		t.Fatal(err)
	}
	gen, tgt := Placement()
	if len(cpus) < 2 {
		if len(gen)+len(tgt) != 0 {
			t.Errorf("Placement() on 1 CPU = %v, %v; want none", gen, tgt)
		}
		return
	}
	if diff := cmp.Diff(cpus, append(gen, tgt...)); diff != "" || len(gen) != 1 {
		t.Errorf("Placement() = %v, %v; want [first] and the rest of %v", gen, tgt, cpus)
	}
	exe, _ := os.Executable()
	out, err := exec.Command(exe, "pinself").CombinedOutput()
	if err != nil {
		t.Fatalf("pinself: %v\n%s", err, out)
	}
	for _, m := range strings.Fields(string(out)) {
		if m != strconv.Itoa(gen[0]) {
			t.Errorf("after PinSelf(%v), a thread has Cpus_allowed_list %q (all: %s)", gen, m, out)
		}
	}
}

// A relative log folder (the CLI's default results/runs/<id>/logs) must
// work for servers that resolve paths against their own prefix, like nginx.
func TestRelativeLogDir(t *testing.T) {
	if _, err := lookNginx(); err != nil {
		t.Fatalf("nginx is needed for this test: %v (install it: apt-get install -y nginx)", err)
	}
	t.Chdir(t.TempDir())
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d := New(Options{Exe: exe, LogDir: filepath.Join("results", "logs"), RunID: "rel-" + strconv.Itoa(os.Getpid())})
	t.Cleanup(func() { _ = d.Close(context.Background()) })
	dep := up(t, d, targets.Spec{Topology: "replicas", Instances: 2, Balancer: "nginx", GOMAXPROCS: 1})
	if seen := instancesSeen(t, dep.Endpoint()+"/", 4); len(seen) != 2 {
		t.Errorf("responses per instance = %v, want both instances", seen)
	}
	if err := dep.Down(context.Background()); err != nil {
		t.Fatal(err)
	}
}
