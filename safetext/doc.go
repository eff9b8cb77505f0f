// Package safetext makes untrusted text (scenario and target names,
// descriptions, error messages, server logs) safe to print on a terminal:
// control characters that would move the cursor, change colours, ring the
// bell or reorder the line (ESC, BEL, C1 controls, bidi overrides such as
// U+202E) are neutralised. It is used by the terminal summary (report) and
// by the command's own messages (validate, run progress).
package safetext
