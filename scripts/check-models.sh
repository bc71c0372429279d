#!/usr/bin/env bash
# The migrations guide's CI step ("Verify models are up to date"): migrate a fresh database with the trading
# example's migrations, then fail when the committed models in examples/trading/Models differ from its schema;
# likewise the quickstart's SQLite models in examples/quickstart/Models.
# Needs $MIGRATE_TEST_POSTGRES_URL (a superuser URL, as scripts/postgres-start.sh prints) and a built
# .build/debug/migrate (or $MIGRATE).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MIGRATE_TEST_POSTGRES_URL:?not set: eval \"\$(scripts/postgres-start.sh)\" first}"
MIGRATE=${MIGRATE:-.build/debug/migrate}
db=ci_models_$$
base=${MIGRATE_TEST_POSTGRES_URL%%\?*}
query=${MIGRATE_TEST_POSTGRES_URL#"$base"}
url="${base%/*}/$db$query"
psql "$MIGRATE_TEST_POSTGRES_URL" -X -qAt -c "CREATE DATABASE $db"
scratch=$(mktemp -d)
trap 'psql "$MIGRATE_TEST_POSTGRES_URL" -X -qAt -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$scratch"' EXIT
"$MIGRATE" -path examples/trading/migrations -database "$url" up
"$MIGRATE" models -database "$url" -dir examples/trading/Models -check
"$MIGRATE" -path examples/quickstart/migrations -database "sqlite://$scratch/quickstart.db" up
"$MIGRATE" models -database "sqlite://$scratch/quickstart.db" -dir examples/quickstart/Models -check
