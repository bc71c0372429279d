#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 server on loopback, owned by the OS user `postgres`, in a temporary
# directory, and prints `export` lines for the test suite. Stop it with scripts/postgres-stop.sh DIR.
#   eval "$(scripts/postgres-start.sh)"
# The server's output goes to files only, so a caller that captures this script's output never waits on it.
# PGPORT_TEST picks the port (default 55432). PG_TLS_DIR, when set, names a directory with server.crt and
# server.key: the server then offers TLS (ssl=on) as well as plain connections.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${PGPORT_TEST:-55432}
if [[ ! -x $PGBIN/postgres ]]; then
  echo "postgres-start: no PostgreSQL server in $PGBIN (apt-get install postgresql-15)" >&2
  exit 1
fi
# A server already listening there (often one started earlier and not stopped) would make pg_ctl fail late
# with a log to read; say so up front, naming the port.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "postgres-start: port $PORT on 127.0.0.1 is already in use (a server left running? stop it with" \
    "scripts/postgres-stop.sh DIR, or pick another port with PGPORT_TEST=N)" >&2
  exit 1
fi
id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
DIR=$(mktemp -d /tmp/swift-migrate-pg.XXXXXX)
chown postgres "$DIR"
as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; fi; }
as_postgres "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; rm -rf "$DIR"; exit 1; }
# A password user for tests that check authentication and redaction.
cat >"$DIR/data/pg_hba.conf" <<HBA
local all all trust
host all migrate_pw 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
host replication all 127.0.0.1/32 trust
HBA
# Settings go into postgresql.conf (not pg_ctl -o) so that a plain `pg_ctl -D DIR/data start` restarts the
# server as it was (the server-fault tests stop and restart one).
cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 300
fsync = on
CONF
if [[ -n ${PG_TLS_DIR:-} ]]; then
  install -o postgres -m 0600 "$PG_TLS_DIR/server.key" "$DIR/data/server.key"
  install -o postgres -m 0644 "$PG_TLS_DIR/server.crt" "$DIR/data/server.crt"
  printf "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" >>"$DIR/data/postgresql.conf"
fi
as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null 2>"$DIR/pg_ctl.log" \
  || { cat "$DIR/pg_ctl.log" "$DIR/server.log" >&2; rm -rf "$DIR"; exit 1; }
"$PGBIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qAt \
  -c "CREATE ROLE migrate_pw LOGIN SUPERUSER PASSWORD 'S3ntinel-pa55word'" >/dev/null
echo "export MIGRATE_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable'"
echo "export MIGRATE_TEST_POSTGRES_DIR='$DIR'"
echo "export MIGRATE_TEST_POSTGRES_SOCKET_DIR='$DIR'"
