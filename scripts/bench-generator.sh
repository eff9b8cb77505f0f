#!/usr/bin/env bash
# bench-generator.sh — CPU cost per request of scalebench's HTTP generator at
# maximum rate, beside the vegeta CLI, against the same trivial local server.
#
# Method (docs/benchmarks.md): one echo server (the load test binary in
# server mode) pinned to the last CPU; each tool pinned to CPU 0 in turn,
# 64 workers/connections, closed loop (vegeta: -rate=0), for DURATION; CPU is
# user+sys time of the tool's process (/usr/bin/time), requests from its own
# count. Rounds alternate the tools so drift hits both.
#
# Usage: scripts/bench-generator.sh [ROUNDS] [DURATION]   (defaults 3, 10s)
# Needs: go, taskset (util-linux), /usr/bin/time (apt-get install -y time).
# The vegeta CLI is installed with `go install` into a temporary GOBIN when
# it is not on PATH.
set -euo pipefail

ROUNDS=${1:-3}
DURATION=${2:-10s}
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

for tool in taskset /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-generator: $tool not found (apt-get install -y util-linux time)" >&2; exit 1; }
done
ncpu=$(nproc)
if ((ncpu < 2)); then echo "bench-generator: needs 2 CPUs, found $ncpu" >&2; exit 1; fi
server_cpu=$((ncpu - 1))

vegeta=$(command -v vegeta || true)
if [[ -z $vegeta ]]; then
	GOBIN=$tmp/bin go install github.com/tsenart/vegeta/v12@v12.13.0
	vegeta=$tmp/bin/vegeta
fi

go test -c -o "$tmp/load.test" ./load

# The server reads stdin until EOF; a FIFO held open by this shell keeps it up.
mkfifo "$tmp/stdin"
LOAD_ECHO_SERVER=1 taskset -c "$server_cpu" "$tmp/load.test" <"$tmp/stdin" >"$tmp/addr" &
server_pid=$!
exec 3>"$tmp/stdin"
for _ in $(seq 50); do [[ -s $tmp/addr ]] && break; sleep 0.1; done
addr=$(head -1 "$tmp/addr")
echo "server http://$addr on CPU $server_cpu; tools on CPU 0; $ROUNDS rounds of $DURATION"
printf '%-10s %-6s %10s %10s %14s\n' tool round req/s cpu-s "cpu-s/100k"

for round in $(seq "$ROUNDS"); do
	# vegeta CLI: its results go to a file, as in normal use; report is not timed.
	echo "GET http://$addr/" | taskset -c 0 /usr/bin/time -f '%U %S' -o "$tmp/vt" \
		"$vegeta" attack -rate=0 -max-workers=64 -workers=64 -duration="$DURATION" >"$tmp/v.bin"
	read -r u s <"$tmp/vt"
	n=$("$vegeta" report -type=json <"$tmp/v.bin" | sed -E 's/.*"requests":([0-9]+).*/\1/')
	awk -v n="$n" -v u="$u" -v s="$s" -v d="${DURATION%s}" -v r="$round" \
		'BEGIN { printf "%-10s %-6s %10.0f %10.2f %14.2f\n", "vegeta", r, n/d, u+s, (u+s)/n*1e5 }'

	# scalebench: the same server, through BenchmarkMaxRate.
	LOAD_BENCH_TARGET="http://$addr" LOAD_BENCH_DURATION="$DURATION" taskset -c 0 /usr/bin/time -f '%U %S' -o "$tmp/st" \
		"$tmp/load.test" -test.run '^$' -test.bench MaxRate -test.benchtime 1x >"$tmp/s.out"
	read -r u s <"$tmp/st"
	line=$(grep '^BenchmarkMaxRate' "$tmp/s.out")
	rate=$(awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "req/s") print $i }' <<<"$line")
	inner=$(awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "cpu-s/100k-req") print $i }' <<<"$line")
	awk -v rate="$rate" -v u="$u" -v s="$s" -v d="${DURATION%s}" -v inner="$inner" -v r="$round" \
		'BEGIN { printf "%-10s %-6s %10.0f %10.2f %14.2f   (getrusage over the run only: %.2f)\n", "scalebench", r, rate, u+s, (u+s)/(rate*d)*1e5, inner }'
done
