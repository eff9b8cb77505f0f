package procfs

import (
	"os"
	"testing"
)

func TestParseCountsFieldsFromTheLastParenthesis(t *testing.T) {
	// A command name with spaces and a ')' of its own.
	line := "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 75 3 2 20 0 4 0 123456 100000000 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
	s, err := Parse([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{State: 'S', PPID: 1, PGRP: 4242, UTime: 250, STime: 75, CUTime: 3, CSTime: 2, StartTime: 123456, RSSPages: 2500}
	if s != want {
		t.Errorf("Parse = %+v, want %+v", s, want)
	}
	if s.CPUSeconds() != 3.25 || s.CPUSecondsWithChildren() != 3.30 {
		t.Errorf("CPU %v / %v, want 3.25 / 3.30", s.CPUSeconds(), s.CPUSecondsWithChildren())
	}
}

func TestParseRefusesWhatIsNotAStatLine(t *testing.T) {
	for _, bad := range []string{"", "no parenthesis at all", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 11 x 13 14 15 16 17 18 19 20 21 22"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

func TestReadSelf(t *testing.T) {
	s, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.PPID != os.Getppid() || s.StartTime == 0 || s.RSSBytes() == 0 || StartTime(os.Getpid()) == "" {
		t.Errorf("Read(self) = %+v: want our parent, a start time and memory", s)
	}
	if StartTime(1<<22+7) != "" {
		t.Errorf("StartTime of a pid that cannot exist is not empty")
	}
}
