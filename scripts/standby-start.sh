#!/usr/bin/env bash
# Starts a streaming standby of a test PostgreSQL server (scripts/postgres-start.sh) on loopback: a base backup
# taken with `pg_basebackup -R` (which writes the standby's connection to the primary), as the OS user
# `postgres`, in a temporary directory. Prints `export` lines: MIGRATE_TEST_STANDBY_PORT, MIGRATE_TEST_STANDBY_DIR.
# Usage: scripts/standby-start.sh PRIMARY_PORT [PORT]     (stop it with scripts/postgres-stop.sh DIR)
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PRIMARY=${1:?usage: standby-start.sh PRIMARY_PORT [PORT]}
PORT=${2:-55472}
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "standby-start: port $PORT on 127.0.0.1 is already in use" >&2
  exit 1
fi
DIR=$(mktemp -d /tmp/swift-migrate-standby.XXXXXX)
chown postgres "$DIR"
as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi; }
as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY" -U postgres -D "$DIR/data" -R -X stream -c fast \
  -d "application_name=standby_$PORT" >"$DIR/basebackup.log" 2>&1 \
  || { cat "$DIR/basebackup.log" >&2; rm -rf "$DIR"; exit 1; }
# The primary's settings came with the backup; these lines come later and win.
cat >>"$DIR/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$DIR'
hot_standby = on
CONF
as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null 2>"$DIR/pg_ctl.log" \
  || { cat "$DIR/pg_ctl.log" "$DIR/server.log" >&2; rm -rf "$DIR"; exit 1; }
echo "export MIGRATE_TEST_STANDBY_PORT='$PORT'"
echo "export MIGRATE_TEST_STANDBY_DIR='$DIR'"
