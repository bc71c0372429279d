#!/usr/bin/env bash
# Stops a server started by postgres-start.sh and removes its directory.
set -uo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DIR=${1:-${MIGRATE_TEST_POSTGRES_DIR:-}}
[[ -n $DIR && -d $DIR/data ]] || exit 0
if [[ $(id -un) == postgres ]]; then "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null
else su postgres -s /bin/bash -c "$PGBIN/pg_ctl -D $DIR/data -m fast stop" >/dev/null; fi
rm -rf "$DIR"
