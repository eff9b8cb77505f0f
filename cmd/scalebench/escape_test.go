package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileName holds ESC (a title-setting sequence), BEL, a bidi override
// and a C1 CSI: none may reach the terminal (issue 10, finding 12).
const hostileName = "evil\x1b]0;pwned\x07\u202egnp.exe\u009b2J"

func assertNoControls(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s carries %q:\n%q", what, bad, out)
		}
	}
}

func TestValidateNeutralisesControlCharacters(t *testing.T) {
	file := filepath.Join(t.TempDir(), "x.yaml")
	yaml := "name: \"" + strings.NewReplacer("\x1b", `\e`, "\x07", `\a`, "\u202e", `\u202E`, "\u009b", `\x9b`).Replace(hostileName) + "\"\n" +
		"requests: [{path: /}]\nload: {rate: 10}\ntargets: [{topology: single}]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "validate", file)
	if code != 0 || !strings.Contains(stdout, "1 target,") {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	assertNoControls(t, "validate output", stdout+stderr)

	// An invalid scenario whose message quotes the name.
	bad := strings.Replace(yaml, "rate: 10", "rate: -1", 1)
	if err := os.WriteFile(file, []byte(bad+"description: [\"\\e[31m\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "validate", file)
	if code != 2 {
		t.Fatalf("validate invalid: exit %d, want 2", code)
	}
	assertNoControls(t, "validate error", stdout+stderr)
}

// A real quick run of a scenario with a hostile name: the progress lines
// and the final summary carry no control characters.
func TestRunNeutralisesControlCharacters(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.yaml")
	yaml := "name: \"" + strings.NewReplacer("\x1b", `\e`, "\x07", `\a`, "\u202e", `\u202E`, "\u009b", `\x9b`).Replace(hostileName) + "\"\n" +
		"description: \"\\e[2J\\u202E\"\ndefaults: {warmup: 0s, duration: 300ms}\nrequests: [{path: /}]\nload: {rate: 20}\ntargets: [{topology: single}]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr := mustRunCLI(t, "run", file, "--out", filepath.Join(dir, "out"), "--no-progress")
	assertNoControls(t, "run output", stdout+stderr)
}
