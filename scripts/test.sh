#!/usr/bin/env bash
# Runs the whole test suite against a real PostgreSQL and real SQLite files.
# Uses $MIGRATE_TEST_POSTGRES_URL when set; otherwise starts a throwaway PostgreSQL 15 on loopback
# (scripts/postgres-start.sh) and stops it afterwards. Likewise a second server that offers TLS with a test CA
# ($MIGRATE_TEST_TLS_PORT, $MIGRATE_TEST_TLS_CA, $MIGRATE_TEST_TLS_OTHER_CA) for the sslmode tests, and a third
# ($MIGRATE_TEST_FAULT_PORT, $MIGRATE_TEST_FAULT_DIR) that the server-fault tests stop and restart. With the first
# server it also starts a streaming standby of it ($MIGRATE_TEST_STANDBY_PORT) and Debian's PgBouncer in front of
# it in transaction pooling mode ($MIGRATE_TEST_PGBOUNCER_PORT), and a second PgBouncer on the server's own port
# number at 127.0.0.2 ($MIGRATE_TEST_PGBOUNCER_SAME_PORT_ADDR). Two more plain servers ($MIGRATE_TEST_POSTGRES_URL_2 and
# _3, ports 55482 and 55492) give the fleet tests three clusters.
set -euo pipefail
cd "$(dirname "$0")/.."
cleanup=()  # servers to stop (the standby first: it is added after its primary)
bouncers=()  # PgBouncers to stop
scratch=()  # directories to remove
stop_all() {
  for dir in "${bouncers[@]}"; do scripts/pgbouncer-stop.sh "$dir"; done
  for ((i = ${#cleanup[@]} - 1; i >= 0; i--)); do scripts/postgres-stop.sh "${cleanup[$i]}"; done
  rm -rf "${scratch[@]}"
}
trap stop_all EXIT
if [[ -z ${MIGRATE_TEST_POSTGRES_URL:-} ]]; then
  # An assignment, not eval "$(...)": under `set -e` a failed start must stop the run here, with its message.
  started=$(scripts/postgres-start.sh)
  eval "$started"
  cleanup+=("$MIGRATE_TEST_POSTGRES_DIR")
fi
# A streaming standby of that server (pg_basebackup -R) for the high-availability tests, and Debian's PgBouncer in
# front of it in transaction pooling mode for the pooler tests. Without them those tests say what is missing.
primary_port=$(sed -n 's|^[a-z]*://[^/]*:\([0-9][0-9]*\)/.*|\1|p' <<<"$MIGRATE_TEST_POSTGRES_URL")
primary_port=${primary_port:-5432}
if [[ -z ${MIGRATE_TEST_STANDBY_PORT:-} ]]; then
  if standby=$(scripts/standby-start.sh "$primary_port" "${PGPORT_STANDBY_TEST:-55472}"); then
    eval "$standby"
    cleanup+=("$MIGRATE_TEST_STANDBY_DIR")
  else
    echo "test: no standby of the server on port $primary_port (see above): the high-availability tests will fail" >&2
  fi
fi
if [[ -z ${MIGRATE_TEST_PGBOUNCER_PORT:-} ]]; then
  if bouncer=$(scripts/pgbouncer-start.sh "$primary_port" "${PGPORT_PGBOUNCER_TEST:-55462}"); then
    eval "$bouncer"
    bouncers+=("$MIGRATE_TEST_PGBOUNCER_DIR")
  else
    echo "test: no PgBouncer in front of the server on port $primary_port (see above): the pooler tests will fail" >&2
  fi
fi
# A second PgBouncer on the server's own port number, at another loopback address (as a pooler on another host
# would be), for the test that sees a pooler although the ports match.
if [[ -z ${MIGRATE_TEST_PGBOUNCER_SAME_PORT_ADDR:-} ]]; then
  if bouncer=$(scripts/pgbouncer-start.sh "$primary_port" "$primary_port" 127.0.0.2); then
    bouncers+=("$(sed -n "s/^export MIGRATE_TEST_PGBOUNCER_DIR='\(.*\)'$/\1/p" <<<"$bouncer")")
    export MIGRATE_TEST_PGBOUNCER_SAME_PORT_ADDR=127.0.0.2
  else
    echo "test: no PgBouncer on 127.0.0.2:$primary_port (see above): the same-port pooler test will fail" >&2
  fi
fi
if [[ -z ${MIGRATE_TEST_TLS_PORT:-} ]]; then
  tls=$(mktemp -d /tmp/swift-migrate-tls.XXXXXX)
  chmod 755 "$tls"
  scratch+=("$tls")
  scripts/make-test-ca.sh "$tls"
  export MIGRATE_TEST_TLS_PORT=${PGPORT_TLS_TEST:-55442}
  tls_dir=$(PGPORT_TEST=$MIGRATE_TEST_TLS_PORT PG_TLS_DIR=$tls scripts/postgres-start.sh | sed -n "s/^export MIGRATE_TEST_POSTGRES_DIR='\(.*\)'$/\1/p")
  cleanup+=("$tls_dir")
  export MIGRATE_TEST_TLS_CA=$tls/ca.crt MIGRATE_TEST_TLS_OTHER_CA=$tls/other-ca.crt
fi
# A third server that the server-fault tests stop (`pg_ctl stop -m immediate`) and restart mid-run.
if [[ -z ${MIGRATE_TEST_FAULT_PORT:-} ]]; then
  export MIGRATE_TEST_FAULT_PORT=${PGPORT_FAULT_TEST:-55452}
  MIGRATE_TEST_FAULT_DIR=$(PGPORT_TEST=$MIGRATE_TEST_FAULT_PORT scripts/postgres-start.sh | sed -n "s/^export MIGRATE_TEST_POSTGRES_DIR='\(.*\)'$/\1/p")
  export MIGRATE_TEST_FAULT_DIR
  cleanup+=("$MIGRATE_TEST_FAULT_DIR")
fi
# Two more plain servers, so that the fleet tests migrate databases on three clusters at once
# ($MIGRATE_TEST_POSTGRES_URL_2 and _3).
for n in 2 3; do
  var=MIGRATE_TEST_POSTGRES_URL_$n
  if [[ -z ${!var:-} ]]; then
    default_port=$((55462 + 10 * n))  # 55482, 55492
    port_var=PGPORT_FLEET${n}_TEST
    started=$(PGPORT_TEST=${!port_var:-$default_port} scripts/postgres-start.sh)
    export "$var=$(sed -n "s/^export MIGRATE_TEST_POSTGRES_URL='\(.*\)'$/\1/p" <<<"$started")"
    cleanup+=("$(sed -n "s/^export MIGRATE_TEST_POSTGRES_DIR='\(.*\)'$/\1/p" <<<"$started")")
  fi
done
# Build once (tests and the `migrate` binary the CLI tests run), then run without rebuilding; arguments
# (e.g. --filter NAME) go to `swift test`.
swift build --build-tests
swift test --skip-build "$@"
# The whole suite (no filter) ends with the guide's CI checks on the examples: verify, lint, validate, and
# "models are up to date" (a fresh database, migrated, against the committed models).
if [[ $# -eq 0 ]]; then
  scripts/check-examples.sh .build/debug/migrate
  scripts/check-models.sh
  # The DocC catalog and every doc comment of the library build without a warning.
  scripts/docs.sh
  # PostgreSQL's own parser (pglast) still splits the corpus as its committed oracle files say.
  if python3 -c "import pglast" 2>/dev/null; then
    python3 scripts/split-oracle.py --check
  else
    echo "test: pglast not installed (pip install pglast): the split corpus is checked against its committed oracle files only" >&2
  fi
fi
