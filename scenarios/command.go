package scenarios

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// checkPrograms records a problem for each command target whose program
// cannot be found the way the process driver will look for it: a bare name
// in PATH, a path with a folder relative to the target's dir. It runs only
// for scenarios read from a file, whose dir is known (Load), so that
// validate fails where run would.
func (d *decoder) checkPrograms(s *Scenario) {
	for i, t := range s.Targets {
		if t.Kind() != KindCommand || len(t.Command) == 0 || strings.TrimSpace(t.Command[0]) == "" {
			continue
		}
		if msg := findProgram(t.Command[0], t.Dir); msg != "" {
			d.add(t.Line, index(field(index("targets", i), "command"), 0), "%s", msg)
		}
	}
}

// findProgram returns why prog cannot be started from dir, or "".
func findProgram(prog, dir string) string {
	if !strings.ContainsRune(prog, filepath.Separator) {
		if _, err := exec.LookPath(prog); err != nil {
			return fmt.Sprintf("program %q is not in PATH; install it or give its path", prog)
		}
		return ""
	}
	p := prog
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return fmt.Sprintf("program %q does not exist (looked for %s)", prog, p)
	case st.IsDir():
		return fmt.Sprintf("program %q is a folder, not a program", prog)
	case st.Mode()&0o111 == 0:
		return fmt.Sprintf("program %q is not executable (chmod +x %s)", prog, p)
	}
	return ""
}
