#!/usr/bin/env bash
# Fuzzes the SQL lexer, the file-name parser and the annotation parser for longer than CI does:
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [SEED]     # default 300 s, a random seed (printed, to replay)
# A hang shows as the whole run exceeding its budget: `timeout` stops it and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export MIGRATE_FUZZ_SECONDS=${1:-300}
export MIGRATE_FUZZ_SEED=${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "fuzz: $MIGRATE_FUZZ_SECONDS s per target, seed $MIGRATE_FUZZ_SEED"
swift build --build-tests
# Four targets (lexer x 2 dialects, file names, annotations), run in parallel by swift test, plus slack.
timeout $((MIGRATE_FUZZ_SECONDS * 4 + 300)) swift test --skip-build --filter FuzzTests
