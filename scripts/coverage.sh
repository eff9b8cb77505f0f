#!/usr/bin/env bash
# Coverage calibration of scalebench's 95% intervals (docs/statistics.md):
# serves a known latency distribution on loopback, measures it RUNS times
# with the real HTTP generator, and prints the share of runs whose interval
# holds the true p50, p90, p99 and throughput. Not a test: run it on a
# quiet machine. Usage: scripts/coverage.sh [-runs N] [-rate R] [-duration D]
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./scripts/coverage "$@"
