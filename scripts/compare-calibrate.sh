#!/usr/bin/env bash
# A/A false-alarm rate and +25% CPU detection rate of `scalebench compare`
# (method and figures in docs/compare.md). Not a test: it takes minutes and
# wants a quiet machine. Flags go to the Go program, e.g.
#   ./scripts/compare-calibrate.sh -pairs 20 -slow 20 -trials 3 -duration 3s
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/scalebench
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/scalebench
go run ./scripts/compare-calibrate -bin "$bin" "$@"
