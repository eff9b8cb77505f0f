#!/usr/bin/env bash
# bench-generator.sh — CPU cost per request of scalebench's HTTP generator at
# its maximum rate, each engine, beside the vegeta CLI and wrk, against the
# same trivial local server, in one run.
#
# Method (docs/benchmarks.md): one echo server (the load test binary in
# server mode) pinned to the last CPU; each tool pinned to CPU 0 in turn,
# 64 workers/connections, closed loop (vegeta: -rate=0; wrk: -t1 -c64), for
# DURATION; CPU is user+sys time of the tool's whole process
# (/usr/bin/time), requests from its own count. Every round runs every tool,
# in an order that rotates from round to round, so drift hits all of them.
# The summary takes each tool's best round (the least disturbed by anything
# else on the machine) and compares it with wrk's.
#
# Usage: scripts/bench-generator.sh [ROUNDS] [DURATION]   (defaults 3, 8s)
# Needs: go, taskset (util-linux), /usr/bin/time (Debian package time), wrk
# (Debian package wrk; installed with apt-get when missing and running as
# root). The vegeta CLI v12.13.0 is built with `go install` into a temporary
# GOBIN when it is not on PATH.
set -euo pipefail

ROUNDS=${1:-3}
DURATION=${2:-8s}
secs=${DURATION%s}
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

need_deb() { # command, Debian package
	command -v "$1" >/dev/null && return
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		echo "bench-generator: installing $2 (apt-get install -y $2)" >&2
		apt-get install -y "$2" >/dev/null
	fi
	command -v "$1" >/dev/null || { echo "bench-generator: $1 not found (apt-get install -y $2)" >&2; exit 1; }
}
need_deb taskset util-linux
need_deb /usr/bin/time time
need_deb wrk wrk
vegeta=$(command -v vegeta || true)
if [[ -z $vegeta ]]; then
	GOBIN=$tmp/bin go install github.com/tsenart/vegeta/v12@v12.13.0
	vegeta=$tmp/bin/vegeta
fi

. scripts/lib/echo.sh
start_echo

# Each run_* prints "requests cpu-seconds" for one run of DURATION.
timed() { taskset -c 0 /usr/bin/time -f '%U %S' -o "$tmp/time" "$@"; }
cpu_s() { awk '{ print $1 + $2 }' "$tmp/time"; }

run_vegeta() {
	# Results go to a file, as in normal use; the report is not timed.
	echo "GET http://$addr/" | timed "$vegeta" attack -rate=0 -max-workers=64 -workers=64 -duration="$DURATION" >"$tmp/v.bin"
	n=$("$vegeta" report -type=json <"$tmp/v.bin" | sed -E 's/.*"requests":([0-9]+).*/\1/')
	echo "$n $(cpu_s)"
}

run_wrk() {
	timed wrk -t1 -c64 -d"$DURATION" "http://$addr/" >"$tmp/w.out"
	n=$(awk '/requests in/ { print $1 }' "$tmp/w.out")
	echo "$n $(cpu_s)"
}

run_scalebench() { # engine
	LOAD_BENCH_TARGET="http://$addr" LOAD_BENCH_DURATION="$DURATION" timed \
		"$load_test" -test.run '^$' -test.bench "MaxRate/^$1\$" -test.benchtime 1x >"$tmp/s.out"
	line=$(grep '^BenchmarkMaxRate' "$tmp/s.out")
	rate=$(awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "req/s") print $i }' <<<"$line")
	awk -v r="$rate" -v d="$secs" -v c="$(cpu_s)" 'BEGIN { printf "%.0f %s\n", r * d, c }'
}

tools=(wrk scalebench-fast scalebench-nethttp vegeta)
run_tool() {
	case $1 in
	wrk) run_wrk ;;
	vegeta) run_vegeta ;;
	scalebench-*) run_scalebench "${1#scalebench-}" ;;
	esac
}

echo "server http://$addr on CPU $server_cpu; tools on CPU 0; $ROUNDS rounds of $DURATION; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-20s %-6s %10s %10s %14s\n' tool round req/s cpu-s "cpu-µs/req" | tee "$tmp/table"
for round in $(seq "$ROUNDS"); do
	k=$(((round - 1) % ${#tools[@]}))
	for tool in "${tools[@]:k}" "${tools[@]:0:k}"; do
		read -r n c < <(run_tool "$tool") || true
		if [[ -z ${n:-} || $n == 0 ]]; then
			echo "bench-generator: $tool completed no requests in round $round" >&2
			continue
		fi
		awk -v t="$tool" -v r="$round" -v n="$n" -v c="$c" -v d="$secs" \
			'BEGIN { printf "%-20s %-6s %10.0f %10.2f %14.2f\n", t, r, n / d, c, c / n * 1e6 }' | tee -a "$tmp/table"
	done
done

echo
echo "best round per tool (lowest CPU per request):"
awk 'NR > 1 { if (!($1 in best) || $5 < best[$1]) { best[$1] = $5; rate[$1] = $3 } }
	END {
		printf "%-20s %14s %10s %10s\n", "tool", "cpu-µs/req", "req/s", "× wrk"
		n = split("wrk scalebench-fast scalebench-nethttp vegeta", order, " ")
		for (i = 1; i <= n; i++) { t = order[i]
			printf "%-20s %14.2f %10.0f %10.2f\n", t, best[t], rate[t], best[t] / best["wrk"] }
		f = best["scalebench-fast"]
		printf "default engine (fast): %.2f× wrk (goal ≤ 1.3: %s); %s the vegeta CLI\n", f / best["wrk"],
			f <= 1.3 * best["wrk"] ? "met" : "missed", f < best["vegeta"] ? "below" : "NOT below"
	}' "$tmp/table"
