#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL and real SQLite files.
# Uses $MIGRATE_TEST_POSTGRES_URL when set; otherwise starts a throwaway PostgreSQL 15 on loopback
# (scripts/postgres-start.sh) and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z ${MIGRATE_TEST_POSTGRES_URL:-} ]]; then
  eval "$(scripts/postgres-start.sh)"
  trap 'scripts/postgres-stop.sh "$MIGRATE_TEST_POSTGRES_DIR"' EXIT
fi
# Build once (tests and the `migrate` binary the CLI tests run), then run without rebuilding.
swift build --build-tests "$@"
swift test --skip-build "$@"
