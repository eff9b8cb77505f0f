// Package logtail reads the end of a server's log file: what the drivers
// and the managed Redis and PostgreSQL servers attach to a failed target,
// so the user sees why it failed without opening the run's logs/ folder.
package logtail

import (
	"io"
	"os"
)

// Read returns the last n bytes of the file at path ("" when it cannot be
// read). It reads only those bytes, however large the log has grown.
func Read(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(st.Size()-n, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return ""
	}
	return string(b)
}
