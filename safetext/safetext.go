package safetext

import "strings"

// Line returns s safe for one terminal line: every control character,
// line breaks included, becomes a space and invisible direction controls
// (bidi overrides, isolates, marks) are dropped.
func Line(s string) string {
	return strings.Map(lineRune, s)
}

// Text is Line for text of several lines: line breaks and tabs stay, a
// carriage return becomes a line break, everything else Line removes is
// removed.
func Text(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\t':
			return r
		case '\r':
			return '\n'
		}
		return lineRune(r)
	}, s)
}

// lineRune is what Line makes of r: a space for a control character,
// -1 (dropped) for a direction control, r itself otherwise.
func lineRune(r rune) rune {
	switch {
	case isControl(r):
		return ' '
	case isBidi(r):
		return -1
	}
	return r
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

// isBidi reports the invisible characters that change the display order of
// a line (the "Trojan Source" set) and the line/paragraph separators.
func isBidi(r rune) bool {
	switch {
	case r == 0x200e || r == 0x200f || r == 0x061c: // LRM, RLM, ALM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}
