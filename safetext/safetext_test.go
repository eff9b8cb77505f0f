package safetext

import "testing"

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain name", "plain name"},
		{"evil\x1b]0;pwned\x07name", "evil ]0;pwned name"},
		{"a\x1b[2Jb", "a [2Jb"},
		{"rtl\u202eedoc.exe", "rtledoc.exe"},
		{"iso\u2066late\u2069", "isolate"},
		{"two\nlines\r", "two lines "},
		{"c1\u009bx", "c1 x"},
		{"ünïcödé ✓", "ünïcödé ✓"},
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	if got, want := Text("a\r\nb\rc\td\x1b[31m\u202e"), "a\nb\nc\td [31m"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
