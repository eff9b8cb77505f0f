#!/usr/bin/env bash
# bench-websocket.sh — the WebSocket generator at scale: holds CONNS
# connections (default 50,000) to reference /ws servers in other
# processes, opened at RATE per second in all (default 1,000), held for
# HOLD (default 10s) with a little fan-out traffic, and prints the
# generators' and the servers' memory per connection, the time to have all
# open against the planned ramp and the connect rate it makes, connect and
# fan-out latency, and failures (BenchmarkHoldConnections in load/wsload).
#
# One process holds at most as many sockets as its open-files limit
# allows. Each process raises its soft limit to the hard one (and the hard
# one too where it may: CAP_SYS_RESOURCE); when CONNS do not fit, the
# connections are spread over several generator processes, each against a
# reference server process of its own (the server needs a descriptor per
# connection too), as few as keep each under the hard limit. GENERATORS=N
# sets the number.
#
# Usage: scripts/bench-websocket.sh [CONNS] [RATE] [HOLD]
#        GENERATORS=N scripts/bench-websocket.sh …   N generator (and server)
#        processes instead of the fewest that fit.
#        PORTS=N scripts/bench-websocket.sh …   runs it in a network namespace
#        of its own (unshare -n, needs root) whose ephemeral port range holds
#        only N ports, so one source address runs out after about N
#        connections to one server: this shows the spreading over
#        127.0.0.0/8 (the generator moves to 127.0.0.2, … when one source
#        address runs out of ports).
# Needs: about 3 GB of free memory at 50,000 (measured: 1.0 GB generators,
# 1.7 GB servers) and Linux's 127.0.0.0/8
# loopback.
set -euo pipefail

CONNS=${1:-50000}
RATE=${2:-1000}
HOLD=${3:-10s}
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/wsload.test" ./load/wsload
echo "WebSocket: $CONNS connections at $RATE/s, held $HOLD; open files $(ulimit -Sn) soft, $(ulimit -Hn) hard; ephemeral ports $(tr '\t' '-' </proc/sys/net/ipv4/ip_local_port_range), somaxconn $(cat /proc/sys/net/core/somaxconn); load average $(cut -d' ' -f1-3 /proc/loadavg)"
ns=()
if [[ -n ${PORTS:-} ]]; then
	# A new network namespace: its own loopback and port range.
	ns=(unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv4.ip_local_port_range="40000 $((40000 + PORTS - 1))" && exec "$@"' sh)
	echo "in a network namespace of its own with $PORTS ephemeral ports"
fi
(cd "$tmp" && PORTS=${PORTS:-} WSLOAD_BENCH_PROCS=${GENERATORS:-} WSLOAD_BENCH_CONNS="$CONNS" WSLOAD_BENCH_RATE="$RATE" WSLOAD_BENCH_HOLD="$HOLD" \
	"${ns[@]}" ./wsload.test -test.run '^$' -test.bench '^BenchmarkHoldConnections$' -test.benchtime 1x -test.timeout 30m) |
	grep -v '^goos\|^goarch\|^pkg\|^PASS'
