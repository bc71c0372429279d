#!/usr/bin/env bash
# Starts Debian's PgBouncer in front of a test PostgreSQL server, in transaction pooling mode with a pool of two
# server connections per database and user (the common production set-up that breaks session-level advisory
# locks and session SETs), as the OS user `postgres`, in a temporary directory. Prints `export` lines:
#   MIGRATE_TEST_PGBOUNCER_PORT, MIGRATE_TEST_PGBOUNCER_DIR
# Usage: scripts/pgbouncer-start.sh SERVER_PORT [LISTEN_PORT [LISTEN_ADDR]]    (stop: scripts/pgbouncer-stop.sh DIR)
# LISTEN_ADDR (default 127.0.0.1) may be another loopback address, such as 127.0.0.2: a pooler there can listen
# on the server's own port number, as one on another host would.
set -euo pipefail
SERVER_PORT=${1:?usage: pgbouncer-start.sh SERVER_PORT [LISTEN_PORT [LISTEN_ADDR]]}
PORT=${2:-55462}
ADDR=${3:-127.0.0.1}
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
if [[ ! -x $PGBOUNCER ]]; then
  echo "pgbouncer-start: no pgbouncer (apt-get install pgbouncer)" >&2
  exit 1
fi
if (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null; then
  echo "pgbouncer-start: port $PORT on $ADDR is already in use" >&2
  exit 1
fi
DIR=$(mktemp -d /tmp/swift-migrate-pgbouncer.XXXXXX)
# PgBouncer authenticates to the server with the password of its user list; trust towards its own clients.
cat >"$DIR/users.txt" <<USERS
"postgres" ""
"migrate_pw" "S3ntinel-pa55word"
USERS
cat >"$DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$SERVER_PORT
[pgbouncer]
listen_addr = $ADDR
listen_port = $PORT
unix_socket_dir = $DIR
auth_type = trust
auth_file = $DIR/users.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 2
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
chown -R postgres "$DIR"
su postgres -s /bin/bash -c "$PGBOUNCER -d -q $DIR/pgbouncer.ini" 2>"$DIR/start.log" || { cat "$DIR/start.log" >&2; rm -rf "$DIR"; exit 1; }
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null && break
  sleep 0.1
done
if ! (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null; then
  echo "pgbouncer-start: PgBouncer did not listen on $PORT:" >&2
  cat "$DIR/pgbouncer.log" >&2 || true
  exit 1
fi
echo "export MIGRATE_TEST_PGBOUNCER_PORT='$PORT'"
echo "export MIGRATE_TEST_PGBOUNCER_DIR='$DIR'"
