#!/usr/bin/env bash
# bench-memory.sh — the HTTP generator's resident memory over a long
# open-model step: it must stay flat (per-second histograms are rolled into
# the step; nothing is kept per request or per second beyond a bounded
# timeline) and under 150 MB.
#
# Runs BenchmarkOpenRate/ENGINE (one step at RATE req/s for DURATION, 256
# workers) pinned to CPU 0 against the echo server pinned to the last CPU,
# reads the generator process's VmRSS from /proc every INTERVAL seconds,
# prints each sample, then the peak, the growth from the end of the first
# tenth of the run to the end, the samples at the start, each minute and
# the end, and the rate figures of the step.
#
# Usage: scripts/bench-memory.sh [DURATION] [RATE] [ENGINE] [INTERVAL]
#        defaults: 600s 10000 fast 10   (the issue's figure: 10 minutes at 10k req/s)
# Needs: go, taskset (util-linux).
set -euo pipefail

DURATION=${1:-600s}
RATE=${2:-10000}
ENGINE=${3:-fast}
INTERVAL=${4:-10}
secs=${DURATION%s}
cd "$(dirname "$0")/.."
command -v taskset >/dev/null || { echo "bench-memory: taskset not found (apt-get install -y util-linux)" >&2; exit 1; }

tmp=$(mktemp -d)
server_pid=
gen_pid=
cleanup() {
	if [[ -n $gen_pid ]]; then kill "$gen_pid" 2>/dev/null || true; fi
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

. scripts/lib/echo.sh
start_echo

echo "generator: engine $ENGINE, $RATE req/s for $DURATION on CPU 0; server http://$addr on CPU $server_cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_BENCH_TARGET="http://$addr" LOAD_BENCH_RATE="$RATE" LOAD_BENCH_DURATION="$DURATION" \
	taskset -c 0 "$load_test" -test.run '^$' -test.bench "OpenRate/^$ENGINE\$" -test.benchtime 1x >"$tmp/out" 2>&1 &
gen_pid=$!

printf '%8s %10s\n' t_s rss_mb | tee "$tmp/rss"
start=$(date +%s)
while kill -0 "$gen_pid" 2>/dev/null; do
	rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$gen_pid/status" 2>/dev/null || true)
	[[ -n $rss_kb ]] && printf '%8d %10.1f\n' $(($(date +%s) - start)) "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" | tee -a "$tmp/rss"
	sleep "$INTERVAL"
done
wait "$gen_pid" || { cat "$tmp/out" >&2; exit 1; }
gen_pid=

grep '^BenchmarkOpenRate' "$tmp/out" || cat "$tmp/out"
awk -v secs="$secs" 'BEGIN { n = 0 }
	NR > 1 {
		t[n] = $1; r[n] = $2; n++
		if ($2 > peak) peak = $2
	}
	END {
		for (i = 0; i < n; i++) if (t[i] >= secs / 10) { base = r[i]; bt = t[i]; break }
		printf "peak RSS %.1f MB (%s 150 MB); growth from t=%ds to the end: %+.1f MB\n",
			peak, peak < 150 ? "under" : "OVER", bt, r[n-1] - base
		printf "RSS MB at the start, each minute and the end:"
		for (i = 0; i < n; i++) if (i == 0 || i == n - 1 || int(t[i] / 60) > int(t[i-1] / 60)) printf " %s", r[i] " (" t[i] " s)"
		printf "\n"
	}' "$tmp/rss"
