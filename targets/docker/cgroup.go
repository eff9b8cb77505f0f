package docker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cgroupRoot is where the host's cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupFiles are a local container's cgroup files: reading them takes
// microseconds, where a one-shot stats request to the engine takes about
// 1.5 s (it waits for a second reading), which would stall the start and
// end of every load step by that much.
type cgroupFiles struct {
	v2     bool
	cpu    string // v1: cpuacct.usage (ns); v2: cpu.stat (usage_usec)
	memory string // v1: memory.usage_in_bytes; v2: memory.current
	stat   string // memory.stat
}

// localCgroup finds the cgroup files of the container whose init process
// is pid, through /proc/PID/cgroup. It fails when the engine is not local
// (another pid namespace or machine: the pid is not ours to see) or the
// files are not where the host's hierarchies are mounted; the caller then
// uses the engine's stats API.
func localCgroup(pid int, id string) (*cgroupFiles, error) {
	if pid <= 0 {
		return nil, errors.New("no pid")
	}
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cgroup"))
	if err != nil {
		return nil, err
	}
	var v1cpu, v1mem, v2 string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || !strings.Contains(parts[2], id) {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			switch c {
			case "cpuacct":
				v1cpu = parts[2]
			case "memory":
				v1mem = parts[2]
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
		}
	}
	if v1cpu != "" && v1mem != "" {
		for _, m := range []string{"cpuacct", "cpu,cpuacct", "cpuacct,cpu"} {
			f := &cgroupFiles{
				cpu:    filepath.Join(cgroupRoot, m, v1cpu, "cpuacct.usage"),
				memory: filepath.Join(cgroupRoot, "memory", v1mem, "memory.usage_in_bytes"),
				stat:   filepath.Join(cgroupRoot, "memory", v1mem, "memory.stat"),
			}
			if _, err := f.read(); err == nil {
				return f, nil
			}
		}
	}
	if v2 != "" {
		f := &cgroupFiles{v2: true,
			cpu:    filepath.Join(cgroupRoot, v2, "cpu.stat"),
			memory: filepath.Join(cgroupRoot, v2, "memory.current"),
			stat:   filepath.Join(cgroupRoot, v2, "memory.stat"),
		}
		if _, err := f.read(); err == nil {
			return f, nil
		}
	}
	return nil, errors.New("container cgroup files not found")
}

// usage is what read returns: CPU seconds and memory in use (without the
// inactive page cache, as `docker stats` and memoryInUse count it).
type usage struct {
	cpuSeconds float64
	memory     uint64
}

// read reads the files now.
func (f *cgroupFiles) read() (usage, error) {
	var u usage
	if f.v2 {
		us, err := statField(f.cpu, "usage_usec")
		if err != nil {
			return u, err
		}
		u.cpuSeconds = float64(us) / 1e6
	} else {
		ns, err := readUint(f.cpu)
		if err != nil {
			return u, err
		}
		u.cpuSeconds = float64(ns) / 1e9
	}
	mem, err := readUint(f.memory)
	if err != nil {
		return u, err
	}
	key := "total_inactive_file"
	if f.v2 {
		key = "inactive_file"
	}
	inactive, _ := statField(f.stat, key)
	if inactive < mem {
		mem -= inactive
	}
	u.memory = mem
	return u, nil
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// statField reads "key value" from a flat-keyed cgroup file.
func statField(path, key string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New(key + " not in " + path)
}

// containerUsage reads c's usage from its cgroup when the engine is local,
// else from the stats API.
func (d *Driver) containerUsage(ctx context.Context, c *container) (usage, error) {
	c.cgOnce.Do(func() {
		info, err := d.pool.Client.InspectContainerWithContext(c.id, ctx)
		if err == nil {
			c.cg, _ = localCgroup(info.State.Pid, c.id)
		}
	})
	if c.cg != nil {
		if u, err := c.cg.read(); err == nil {
			return u, nil
		}
		// The container stopped (its cgroup is gone): ask the engine.
	}
	s, err := d.stats(ctx, c.id)
	if err != nil {
		return usage{}, err
	}
	return usage{cpuSeconds: float64(s.CPUStats.CPUUsage.TotalUsage) / 1e9, memory: memoryInUse(s)}, nil
}
