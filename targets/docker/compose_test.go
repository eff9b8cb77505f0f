package docker

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/scalebench/scalebench/targets"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestCompose(t *testing.T) {
	opts := ComposeOptions{AppImage: "scalebench/app:0123456789ab", NginxImage: "nginx:1.27", RedisImage: "redis:7"}
	tests := []targets.Spec{
		{Name: "single", Topology: "single", Instances: 1, CPUBudget: 0.5, MemoryMB: 128, GOMAXPROCS: 1},
		{Name: "cluster", Topology: "cluster", Instances: 2, CPUBudget: 0.5, GOMAXPROCS: 1},
		{Name: "replicas", Topology: "replicas", Instances: 3, CPUBudget: 0.5, MemoryMB: 64, Policy: "least_conn", Env: map[string]string{"B": "2", "A": "1"}},
		{Name: "replicas-go", Topology: "replicas", Instances: 2, Balancer: "go"},
		{Name: "mine", Topology: "image", Image: "example/api:1.2", Port: 3000, Instances: 2, CPUBudget: 1},
		{Name: "cached", Topology: "cached", CPUBudget: 0.5, GOMAXPROCS: 1, AppArgs: []string{"--db-latency", "fixed:5ms"}},
		{Name: "queue", Topology: "queue", CPUBudget: 0.5, MemoryMB: 64, QueueWorkers: 3, WorkerArgs: []string{"--concurrency", "2"}},
		{Name: "sessions-redis", Topology: "sessions-redis", Instances: 2},
		{Name: "shop", Topology: "microservices", CPUBudget: 0.25, Microservices: &targets.Microservices{Entry: "core", Services: []targets.Service{
			{Name: "auth", Replicas: 2, CPU: time.Millisecond}, {Name: "core", CPU: time.Millisecond, Calls: []string{"auth", "mail"}}, {Name: "mail", Queue: true}}}},
		{Name: "shop-monolith", Topology: "monolith", Balancer: "go", Microservices: &targets.Microservices{Entry: "core", Services: []targets.Service{
			{Name: "auth", Replicas: 2}, {Name: "core", Calls: []string{"auth"}}}}},
	}
	for _, spec := range tests {
		t.Run(spec.Name, func(t *testing.T) {
			files, err := Compose(spec, opts)
			if err != nil {
				t.Fatalf("Compose(%s): %v", spec.Name, err)
			}
			dir := t.TempDir()
			for name, data := range files {
				golden := filepath.Join("testdata", "compose-"+spec.Name+"-"+name+".golden")
				if *update {
					if err := os.WriteFile(golden, data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("read golden (run with -update): %v", err)
				}
				if diff := cmp.Diff(string(want), string(data)); diff != "" {
					_ = os.WriteFile(golden+".got", data, 0o644)
					t.Errorf("Compose(%s) %s mismatch (-want +got):\n%s", spec.Name, name, diff)
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			composeConfig(t, dir)
		})
	}
}

// composeConfig checks the written file with docker-compose when installed.
func composeConfig(t *testing.T, dir string) {
	t.Helper()
	var cmd *exec.Cmd
	if p, err := exec.LookPath("docker-compose"); err == nil {
		cmd = exec.Command(p, "config", "-q")
	} else if exec.Command("docker", "compose", "version").Run() == nil {
		cmd = exec.Command("docker", "compose", "config", "-q")
	} else {
		t.Log("docker-compose not installed: the file was only parsed back")
		return
	}
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s in %s: %v\n%s", cmd, dir, err, out)
	}
}

func TestComposeUnsupported(t *testing.T) {
	for _, spec := range []targets.Spec{
		{Name: "cmd", Topology: "command", Command: []string{"node", "server.js"}},
		{Name: "u", Topology: "url", URL: "http://127.0.0.1:3000"},
		{Name: "img", Topology: "image"},
	} {
		if _, err := Compose(spec, ComposeOptions{AppImage: "x:1"}); err == nil {
			t.Errorf("Compose(%s) error = nil, want an error", spec.Name)
		}
	}
}
