package wsload

import "fmt"

// fileSpare is the descriptors a run needs beside one per connection (the
// runtime's poller, the HTTP client, logs, the sampler's /proc reads).
const fileSpare = 256

// fileLimit is the open-files budget of one Run: the soft limit it raised
// to (see raiseFileLimit).
type fileLimit struct {
	soft uint64
}

// openFiles raises the process's open-files limit for conns connections.
func openFiles(conns int) (fileLimit, error) {
	soft, err := raiseFileLimit(uint64(conns) + fileSpare)
	if err != nil {
		return fileLimit{}, err
	}
	return fileLimit{soft: soft}, nil
}

// FileLimitWarning raises this process's open-files limit for conns
// connections, as Generator.Run does, and returns the warning Run would
// put on a step holding them ("" when they fit), so a caller can say so
// before a long run starts.
func FileLimitWarning(conns int) (string, error) {
	l, err := openFiles(conns)
	if err != nil {
		return "", err
	}
	return l.warning(conns), nil
}

// warning is the finding for a step that holds conns connections, "" when
// they fit. A limit the process may not raise (no CAP_SYS_RESOURCE, as in
// many containers and sandboxes) is not an error: the connections past it
// fail as too_many_open_files and the step says why and what to do.
func (l fileLimit) warning(conns int) string {
	need := uint64(conns) + fileSpare
	if need <= l.soft {
		return ""
	}
	return fmt.Sprintf("open-files limit %d (hard) is below the %d descriptors %d connections need (one each, plus %d), and this process may not raise it (needs CAP_SYS_RESOURCE): connections past the limit fail as too_many_open_files; "+
		"raise the hard limit (ulimit -Hn, LimitNOFILE=, docker run --ulimit nofile=N:N) or spread the connections over several generator processes of at most %d each, against several server instances (scripts/bench-websocket.sh does this for a benchmark, GENERATORS=N; run --generators agents send HTTP only)",
		l.soft, need, conns, fileSpare, max(int(l.soft)-fileSpare, 0))
}
