#!/usr/bin/env bash
# Stops a PgBouncer started by pgbouncer-start.sh and removes its directory.
set -uo pipefail
DIR=${1:-${MIGRATE_TEST_PGBOUNCER_DIR:-}}
[[ -n $DIR && -d $DIR ]] || exit 0
if [[ -f $DIR/pgbouncer.pid ]]; then
  pid=$(cat "$DIR/pgbouncer.pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -rf "$DIR"
