# echo.sh — sourced by the benchmark scripts: builds the load test binary
# into $tmp and starts its echo server (LOAD_ECHO_SERVER=1: answers "ok"
# with an X-Scalebench-Instance header) pinned to the last CPU. Sets
# $load_test, $server_pid, $server_cpu and $addr (host:port). The caller
# owns $tmp and kills $server_pid on exit.
start_echo() {
	ncpu=$(nproc)
	if ((ncpu < 2)); then echo "$(basename "$0"): needs 2 CPUs, found $ncpu" >&2; exit 1; fi
	server_cpu=$((ncpu - 1))
	load_test=$tmp/load.test
	go test -c -o "$load_test" ./load
	# The server reads stdin until EOF; a FIFO held open by this shell keeps it up.
	mkfifo "$tmp/stdin"
	LOAD_ECHO_SERVER=1 taskset -c "$server_cpu" "$load_test" <"$tmp/stdin" >"$tmp/addr" &
	server_pid=$!
	exec 3>"$tmp/stdin"
	for _ in $(seq 50); do [[ -s $tmp/addr ]] && break; sleep 0.1; done
	addr=$(head -1 "$tmp/addr")
}
