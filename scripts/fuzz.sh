#!/usr/bin/env bash
# fuzz.sh — run the scenario parser's fuzz target for a while (default 3m).
# Not part of scripts/test.sh: it takes minutes and a full CPU.
#   scripts/fuzz.sh            # 3 minutes
#   scripts/fuzz.sh 60s        # any Go duration
# A crasher is saved by Go under scenarios/testdata/fuzz/FuzzParse/; commit it
# (it then runs as a regression case in every `go test ./scenarios`) and fix
# the parser until `go test ./scenarios -run FuzzParse` passes.
set -euo pipefail
cd "$(dirname "$0")/.."
time="${1:-3m}"
parallel="${FUZZ_PARALLEL:-1}"
echo "fuzzing scenarios.FuzzParse for $time (parallel $parallel)"
if ! go test ./scenarios -run '^$' -fuzz '^FuzzParse$' -fuzztime "$time" -parallel "$parallel"; then
	echo "fuzz.sh: FuzzParse found a failing input; it is in scenarios/testdata/fuzz/FuzzParse/ — commit it as a fixture and fix the parser" >&2
	exit 1
fi
