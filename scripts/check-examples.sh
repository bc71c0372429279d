#!/usr/bin/env bash
# The guide's CI checks on both examples, with the built binary: verify (every down file proved on a scratch
# database), lint, and validate against a freshly migrated database.
#   MIGRATE_TEST_POSTGRES_URL=postgres://... scripts/check-examples.sh [path/to/migrate]
set -euo pipefail
cd "$(dirname "$0")/.."
MIGRATE=${1:-.build/debug/migrate}
PG=${MIGRATE_TEST_POSTGRES_URL:?set MIGRATE_TEST_POSTGRES_URL to a PostgreSQL server URL}
TRADING=examples/trading/migrations
QUICKSTART=examples/quickstart/migrations
work=$(mktemp -d /tmp/swift-migrate-examples.XXXXXX)
db="ci_trading_$$"
# The database URL with another database name: postgres://user@host:port/NAME?params
pg_db() { local base=${PG%%\?*} query=""; [[ $PG == *\?* ]] && query="?${PG#*\?}"; echo "${base%/*}/$1$query"; }
cleanup() {
  psql "$(pg_db postgres)" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "--- $*" >&2; }

step "verify: trading (PostgreSQL)"
"$MIGRATE" -path "$TRADING" -database "$PG" verify
step "verify: quickstart (SQLite)"
"$MIGRATE" -path "$QUICKSTART" -database "sqlite://$work/verify.db" verify

step "lint: trading (PostgreSQL) and quickstart (SQLite)"
"$MIGRATE" -path "$TRADING" lint -dialect postgres
"$MIGRATE" -path "$QUICKSTART" lint -dialect sqlite

step "validate: trading on a freshly migrated PostgreSQL database"
psql "$(pg_db postgres)" -qAtc "CREATE DATABASE $db" >/dev/null
"$MIGRATE" -path "$TRADING" -database "$(pg_db "$db")" up
"$MIGRATE" -path "$TRADING" -database "$(pg_db "$db")" validate
step "validate: quickstart on SQLite"
"$MIGRATE" -path "$QUICKSTART" -database "sqlite://$work/quickstart.db" up
"$MIGRATE" -path "$QUICKSTART" -database "sqlite://$work/quickstart.db" validate
echo "examples: verify, lint and validate passed" >&2
